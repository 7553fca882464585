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

    /// <summary>
    /// Streams the dump into the configured server; with a target time (<c>--to-time</c>), the newest dump before it and
    /// then the shipped binlogs up to it. The PostgreSQL-only options (directory, LSN, owner) do not apply.
    /// </summary>
    public async Task<IReadOnlyList<string>> RestoreAsync(BackupRestoreRequest request, CancellationToken cancellationToken)
    {
        if (request.TargetLsn is not null)
        {
            throw new BackupUsageException("--target-lsn is PostgreSQL's; MariaDB restores to a time (--to-time)");
        }

        if (request.TargetTime is { } text)
        {
            if (!DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var target))
            {
                throw new BackupUsageException($"--to-time '{text}' is not a time such as 2025-01-31T23:59:59Z");
            }

            var result = await backups.PointInTime(request.Prefix).RestoreAsync(target, request.BackupId, backups.MariaDb, cancellationToken);
            return
            [
                $"restored dump {result.Dump.Id} into {backups.MariaDb.Host}:{backups.MariaDb.Port}, then replayed {result.Binlogs.Count} binlog(s) "
                + $"({string.Join(", ", result.Binlogs)}) from {result.Dump.BinlogFile}:{result.Dump.BinlogPosition} up to {result.StoppedBefore:u} (exclusive)",
            ];
        }

        var dump = await backups.Restorer(request.Prefix).RestoreAsync(request.BackupId, backups.MariaDb, cancellationToken);
        return [$"restored dump {dump.Id} ({ByteSize.Format(dump.SqlBytes)} of SQL) into {backups.MariaDb.Host}:{backups.MariaDb.Port}"];
    }

    /// <summary>
    /// <c>--objects-only</c>: reads the dump and the binlogs after it and checks them without restoring. Anything more is
    /// not supported: there is no scratch server to restore a dump into and query.
    /// </summary>
    public async Task<IReadOnlyList<string>> VerifyAsync(BackupVerifyRequest request, CancellationToken cancellationToken)
    {
        if (!request.ObjectsOnly)
        {
            throw new EngineOperationNotSupportedException(MariaDbEngine.DisplayName, "backup verify",
                "only PostgreSQL backups can be verified this way; use backup restore into a scratch server for MariaDB");
        }

        var report = await backups.ObjectCheck(request.Prefix).CheckAsync(request.BackupId, cancellationToken);
        return [$"dump {report.BackupId}: OK, {report.Objects} objects authentic and matching ({ByteSize.Format(report.Bytes)} of SQL and binlogs)"];
    }

    public async Task<IReadOnlyList<string>> RetainAsync(int keep, CancellationToken cancellationToken)
    {
        var plan = await backups.Retention().ApplyAsync(keep, cancellationToken);
        return [$"kept {plan.KeptDumps.Count} dumps; deleted {plan.DeletedDumps.Count} dumps and {plan.DeletedBinlogs.Count} binlogs"];
    }
}
