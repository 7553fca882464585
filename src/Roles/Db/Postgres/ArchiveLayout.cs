namespace NodeAgent.Roles.Db.Postgres;

/// <summary>
/// Where a PostgreSQL cluster's archive lives under its prefix (docs/backups.md):
/// <code>
/// PREFIX/archive.json                     who owns the prefix (system identifier, segment size)
/// PREFIX/wal/NAME.zst                     segments, .partial, .backup and .history files, write-once
/// PREFIX/base/ID/base.tar.zst             a base backup (pg_basebackup tar, zstd), one multipart object
/// PREFIX/base/ID/index.json.zst          where each file lies in base.tar.zst, for delta re-seeds
/// PREFIX/base/ID/manifest.json            written last: the backup counts only once this exists
/// PREFIX/timelines/TLI.json               who promoted which timeline, when (replication)
/// </code>
/// </summary>
public sealed record ArchiveLayout(string Prefix)
{
    public const string WalSuffix = ".zst";

    public string Identity => $"{Prefix}/archive.json";

    public string WalDirectory => $"{Prefix}/wal/";

    public string BaseDirectory => $"{Prefix}/base/";

    public string Wal(string fileName) => $"{WalDirectory}{fileName}{WalSuffix}";

    public string BaseTar(string backupId) => $"{BaseDirectory}{backupId}/base.tar.zst";

    public string Manifest(string backupId) => $"{BaseDirectory}{backupId}/manifest.json";

    public string Index(string backupId) => $"{BaseDirectory}{backupId}/index.json.zst";

    public string TimelineDirectory => $"{Prefix}/timelines/";

    public string Timeline(long timeline) => $"{TimelineDirectory}{timeline:X8}.json";

    /// <summary>The WAL file name a key under <see cref="WalDirectory"/> stands for, or null for anything else.</summary>
    public string? WalNameOf(string key)
        => key.StartsWith(WalDirectory, StringComparison.Ordinal) && key.EndsWith(WalSuffix, StringComparison.Ordinal)
            ? key[WalDirectory.Length..^WalSuffix.Length]
            : null;
}
