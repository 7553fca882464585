namespace NodeAgent.Roles.Db.MariaDb;

/// <summary>
/// Where a MariaDB/MySQL node's backups live under its prefix (docs/backups.md):
/// <code>
/// PREFIX/dumps/ID/dump.sql.zst     mariadb-dump --single-transaction, zstd, one multipart object
/// PREFIX/dumps/ID/manifest.json    written last: the dump counts only once this exists
/// PREFIX/binlog/NAME.zst           closed binary logs, write-once
/// </code>
/// </summary>
public sealed record MariaDbLayout(string Prefix)
{
    public const string Suffix = ".zst";

    public string DumpDirectory => $"{Prefix}/dumps/";

    public string BinlogDirectory => $"{Prefix}/binlog/";

    public string Dump(string id) => $"{DumpDirectory}{id}/dump.sql.zst";

    public string Manifest(string id) => $"{DumpDirectory}{id}/manifest.json";

    public string Binlog(string name) => $"{BinlogDirectory}{name}{Suffix}";

    public string? BinlogNameOf(string key)
        => key.StartsWith(BinlogDirectory, StringComparison.Ordinal) && key.EndsWith(Suffix, StringComparison.Ordinal)
            ? key[BinlogDirectory.Length..^Suffix.Length]
            : null;
}
