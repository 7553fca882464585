using NodeAgent.Roles.Db.Engines;

namespace NodeAgent.Roles.Db.MariaDb;

/// <summary>The <c>backup</c> commands on MariaDB/MySQL: dumps, restore into the configured server, retention.</summary>
public sealed class MariaDbBackupOperations(MariaDbBackups backups) : IBackupOperations
{
    public async Task<BackupListing> ListAsync(string? prefix, CancellationToken cancellationToken)
    {
        var entries = await backups.Catalog(prefix).ListAsync(cancellationToken);
        return new BackupListing("SQL", "BINLOG", entries
            .Select(e => new BackupListEntry(e.Id, e.StoredBytes, e.Manifest is { } m
                ? new BackupDetails(m.StartTime, m.StopTime, m.StoredBytes, m.SqlBytes, $"{m.BinlogFile}:{m.BinlogPosition}", m.ToJsonBytes())
                : null))
            .ToList());
    }

    public async Task<IReadOnlyList<string>> PushAsync(CancellationToken cancellationToken)
    {
        var m = await backups.Dumper().RunAsync(cancellationToken);
        return [$"dump {m.Id} complete: {ByteSize.Format(m.SqlBytes)} → {ByteSize.Format(m.StoredBytes)} stored, binlog {m.BinlogFile}:{m.BinlogPosition}"];
    }

    /// <summary>Streams the dump into the configured server; the PostgreSQL-only options (directory, target, owner) do not apply.</summary>
    public async Task<IReadOnlyList<string>> RestoreAsync(BackupRestoreRequest request, CancellationToken cancellationToken)
    {
        var dump = await backups.Restorer(request.Prefix).RestoreAsync(request.BackupId, backups.MariaDb, cancellationToken);
        return [$"restored dump {dump.Id} ({ByteSize.Format(dump.SqlBytes)} of SQL) into {backups.MariaDb.Host}:{backups.MariaDb.Port}"];
    }

    /// <summary>Not supported: there is no scratch server to restore a dump into and query.</summary>
    public Task<IReadOnlyList<string>> VerifyAsync(BackupVerifyRequest request, CancellationToken cancellationToken)
        => throw new EngineOperationNotSupportedException(MariaDbEngine.DisplayName, "backup verify",
            "only PostgreSQL backups can be verified this way; use backup restore into a scratch server for MariaDB");

    public async Task<IReadOnlyList<string>> RetainAsync(int keep, CancellationToken cancellationToken)
    {
        var plan = await backups.Retention().ApplyAsync(keep, cancellationToken);
        return [$"kept {plan.KeptDumps.Count} dumps; deleted {plan.DeletedDumps.Count} dumps and {plan.DeletedBinlogs.Count} binlogs"];
    }
}
