using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>
/// <c>PREFIX/archive.json</c>: the cluster a prefix belongs to. Written by the first wal-push; every later push checks it,
/// so a second cluster (another system identifier) pointed at the same prefix is refused instead of mixing its WAL in.
/// </summary>
public sealed record ArchiveIdentity
{
    public int Format { get; init; } = 1;

    /// <summary>Decimal, as <c>pg_controldata</c> prints it (JSON numbers lose precision past 2^53).</summary>
    public required string SystemIdentifier { get; init; }

    public long SegmentSize { get; init; }

    public DateTimeOffset Created { get; init; }

    public ulong SystemId => ulong.Parse(SystemIdentifier, CultureInfo.InvariantCulture);

    public byte[] ToJsonBytes() => JsonSerializer.SerializeToUtf8Bytes(this, ArchiveIdentityJson.Default.ArchiveIdentity);

    public static ArchiveIdentity Parse(byte[] json, string key)
    {
        try
        {
            return JsonSerializer.Deserialize(json, ArchiveIdentityJson.Default.ArchiveIdentity)
                ?? throw new InvalidDataException($"{key} is empty");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{key} is not a valid archive identity: {ex.Message}", ex);
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(ArchiveIdentity))]
internal sealed partial class ArchiveIdentityJson : JsonSerializerContext;
