using System.Globalization;
using System.Text.RegularExpressions;

namespace NodeAgent.Roles.Web.Releases;

/// <summary>
/// A release's directory name: <c>&lt;UTC time&gt;-&lt;sequence&gt;-&lt;revision&gt;</c>, e.g.
/// <c>20261125T120000123-42-3f9a1c2b7d4e</c> or <c>20261125T120000123-43-r1234</c>. Ids sort by creation time, and say
/// which desired sequence and which revision they hold without any side file.
/// </summary>
public sealed partial record ReleaseId(string Value, DateTimeOffset CreatedAt, long Sequence, string Revision)
{
    private const string TimeFormat = "yyyyMMdd'T'HHmmssfff";

    public static ReleaseId Create(DateTimeOffset now, long sequence, string shortRevision)
    {
        var time = now.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);
        return Parse($"{time}-{sequence}-{shortRevision}")
               ?? throw new ArgumentException($"'{shortRevision}' cannot be part of a release id", nameof(shortRevision));
    }

    /// <summary>Parses a directory name; null for anything that is not a release id (temp names, markers, traversal).</summary>
    public static ReleaseId? Parse(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var match = Pattern().Match(value);
        if (!match.Success
            || !DateTime.TryParseExact(match.Groups[1].Value, TimeFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var created)
            || !long.TryParse(match.Groups[2].Value, CultureInfo.InvariantCulture, out var sequence))
        {
            return null;
        }

        return new ReleaseId(value, new DateTimeOffset(created, TimeSpan.Zero), sequence, match.Groups[3].Value);
    }

    public override string ToString() => Value;

    [GeneratedRegex(@"\A([0-9]{8}T[0-9]{9})-([0-9]{1,19})-([0-9a-f]{12}|r[0-9]{1,10})\z")]
    private static partial Regex Pattern();
}
