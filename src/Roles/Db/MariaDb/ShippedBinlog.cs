using System.Globalization;

namespace NodeAgent.Roles.Db.MariaDb;

/// <summary>A binary log shipped to S3, by name (<c>mariadb-bin.000042</c>): ordered by base name, then by number.</summary>
public sealed record ShippedBinlog(string Name, string BaseName, long Sequence) : IComparable<ShippedBinlog>
{
    public static ShippedBinlog? TryParse(string name)
    {
        var dot = name.LastIndexOf('.');
        return dot > 0 && dot < name.Length - 1 && name[(dot + 1)..].All(char.IsAsciiDigit) && name.Length - dot <= 19
            && long.TryParse(name[(dot + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
            ? new ShippedBinlog(name, name[..dot], sequence)
            : null;
    }

    public int CompareTo(ShippedBinlog? other)
        => other is null ? 1
            : string.CompareOrdinal(BaseName, other.BaseName) is var byBase and not 0 ? byBase
            : Sequence.CompareTo(other.Sequence);
}
