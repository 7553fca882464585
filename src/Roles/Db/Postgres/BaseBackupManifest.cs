using System.Text.Json;
using System.Text.Json.Serialization;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>
/// <c>PREFIX/base/ID/manifest.json</c>, written last: a base backup exists only once this does, and this is written only
/// once the backup's whole WAL range (start to stop segment, and the .backup history file) is in the archive. Times are
/// the agent's clock taken before pg_basebackup started and after it finished, so a backup chosen for a target time
/// certainly ended before it.
/// </summary>
public sealed record BaseBackupManifest
{
    public int Format { get; init; } = 1;

    public required string Id { get; init; }

    public required string Label { get; init; }

    public required string SystemIdentifier { get; init; }

    public int PgVersionNum { get; init; }

    public long SegmentSize { get; init; }

    public uint Timeline { get; init; }

    public required string StartLsn { get; init; }

    public required string StopLsn { get; init; }

    public required string StartWal { get; init; }

    public required string StopWal { get; init; }

    /// <summary>The backup history file PostgreSQL archived for this backup.</summary>
    public required string BackupHistoryFile { get; init; }

    public DateTimeOffset StartTime { get; init; }

    public DateTimeOffset StopTime { get; init; }

    /// <summary>Bytes and SHA-256 of the uncompressed tar stream.</summary>
    public long TarBytes { get; init; }

    public required string TarSha256 { get; init; }

    /// <summary>Bytes and SHA-256 of the stored (compressed) object.</summary>
    public long StoredBytes { get; init; }

    public required string StoredSha256 { get; init; }

    public int Parts { get; init; }

    public long PartSize { get; init; }

    public string Compression { get; init; } = "zstd";

    public int CompressionLevel { get; init; }

    public string? AgentVersion { get; init; }

    /// <summary>Bytes and SHA-256 of <c>index.json.zst</c> (where each file lies, for delta re-seeds); null for backups without one.</summary>
    public long? IndexBytes { get; init; }

    public string? IndexSha256 { get; init; }

    [JsonIgnore]
    public Lsn Start => Lsn.Parse(StartLsn);

    [JsonIgnore]
    public Lsn Stop => Lsn.Parse(StopLsn);

    public byte[] ToJsonBytes() => JsonSerializer.SerializeToUtf8Bytes(this, BaseBackupManifestJson.Default.BaseBackupManifest);

    public static BaseBackupManifest Parse(byte[] json, string key)
    {
        try
        {
            return JsonSerializer.Deserialize(json, BaseBackupManifestJson.Default.BaseBackupManifest)
                ?? throw new InvalidDataException($"{key} is empty");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{key} is not a valid backup manifest: {ex.Message}", ex);
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(BaseBackupManifest))]
internal sealed partial class BaseBackupManifestJson : JsonSerializerContext;
