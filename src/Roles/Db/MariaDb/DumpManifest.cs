using System.Text.Json;
using System.Text.Json.Serialization;

namespace NodeAgent.Roles.Db.MariaDb;

/// <summary><c>PREFIX/dumps/ID/manifest.json</c>, written last, with the binlog position the dump is consistent at.</summary>
public sealed record DumpManifest
{
    /// <summary>A manifest is small; anything bigger is refused before parsing.</summary>
    public const int MaxBytes = 1 << 20;

    public int Format { get; init; } = 1;

    public required string Id { get; init; }

    public DateTimeOffset StartTime { get; init; }

    public DateTimeOffset StopTime { get; init; }

    public IReadOnlyList<string> Databases { get; init; } = [];

    /// <summary>Binary log file and position of the dump's snapshot (null when binary logging is off).</summary>
    public string? BinlogFile { get; init; }

    public long? BinlogPosition { get; init; }

    /// <summary>
    /// The GTID position of the dump's snapshot (<c>gtid_slave_pos</c> as mariadb-dump recorded it, e.g. <c>0-1-42</c>):
    /// where a replica bootstrapped from this dump starts replicating. Null for dumps without one.
    /// </summary>
    public string? GtidPosition { get; init; }

    public long SqlBytes { get; init; }

    public required string SqlSha256 { get; init; }

    public long StoredBytes { get; init; }

    public required string StoredSha256 { get; init; }

    public int Parts { get; init; }

    public int CompressionLevel { get; init; }

    public string? ServerVersion { get; init; }

    public byte[] ToJsonBytes() => JsonSerializer.SerializeToUtf8Bytes(this, DumpManifestJson.Default.DumpManifest);

    public static DumpManifest Parse(byte[] json, string key)
    {
        if (json.Length > MaxBytes)
        {
            throw new InvalidDataException($"{key} is {json.Length} bytes; a dump manifest is at most {MaxBytes}");
        }

        try
        {
            return JsonSerializer.Deserialize(json, DumpManifestJson.Default.DumpManifest) ?? throw new InvalidDataException($"{key} is empty");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{key} is not a valid dump manifest: {ex.Message}", ex);
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(DumpManifest))]
internal sealed partial class DumpManifestJson : JsonSerializerContext;
