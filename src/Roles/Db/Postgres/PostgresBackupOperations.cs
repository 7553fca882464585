using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Engines;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>The <c>backup</c> commands on PostgreSQL: base backups, restore with point-in-time recovery, verify, retention.</summary>
public sealed class PostgresBackupOperations(PostgresBackups backups) : IBackupOperations
{
    public async Task<BackupListing> ListAsync(string? prefix, CancellationToken cancellationToken)
    {
        var entries = await backups.Catalog(prefix).ListAsync(cancellationToken);
        var timelines = await Timelines.ReadAsync(backups.Store, new ArchiveLayout(prefix ?? backups.Prefix), backups.Cipher, cancellationToken);
        return new BackupListing("TAR", "WAL", entries
            .Select(e => new BackupListEntry(e.Id, e.StoredBytes, e.Manifest is { } m
                ? new BackupDetails(m.StartTime, m.StopTime, m.StoredBytes, m.TarBytes, $"TL{m.Timeline} {m.StartWal}..{m.StopWal}", m.ToJsonBytes())
                : null))
            .ToList())
        {
            Notes = timelines.Describe().ToList(),
        };
    }

    /// <summary>The running agent takes it when there is one (warm process, docs/backups.md), else this process does.</summary>
    public async Task<IReadOnlyList<string>> PushAsync(CancellationToken cancellationToken)
    {
        var m = await BackupSocketClient.TryBackupAsync(backups.SocketPath, cancellationToken)
            ?? await backups.Runner().RunAsync(cancellationToken);
        return [$"backup {m.Id} complete: {ByteSize.Format(m.TarBytes)} → {ByteSize.Format(m.StoredBytes)} stored, WAL {m.StartWal}..{m.StopWal}"];
    }

    /// <summary>Writes the base backup into a new directory (<c>--to</c>) with recovery settings up to the target.</summary>
    public async Task<IReadOnlyList<string>> RestoreAsync(BackupRestoreRequest request, CancellationToken cancellationToken)
    {
        if (request.TargetDirectory is not { } directory)
        {
            throw new BackupUsageException("--to DIR is required for PostgreSQL");
        }

        if (!RecoveryTarget.TryParse(request.TargetTime, request.TargetLsn, out var target, out var error))
        {
            throw new BackupUsageException(error);
        }

        var osUser = OsUser.Find(request.Owner ?? backups.Postgres.OsUser);
        backups.WriteSettings();
        var timelines = await Timelines.ReadAsync(backups.Store, new ArchiveLayout(request.Prefix ?? backups.Prefix), backups.Cipher, cancellationToken);
        var timeline = target.Time is { } at ? timelines.ForTime(at) : null;
        var manifest = await backups.Restorer(request.Prefix).RestoreAsync(new RestoreRequest
        {
            TargetDirectory = directory,
            Target = target,
            Timeline = timeline,
            BackupId = request.BackupId,
            RestoreCommand = PostgresBackups.RestoreCommand(backups.SettingsPath, request.Prefix),
            Owner = osUser,
        }, cancellationToken);
        var followed = timeline is { } t
            ? $"timeline {t} (timeline {timelines.ByNumber.Where(x => x.Value.Parent == t).Select(x => x.Key).DefaultIfEmpty().Max()} was promoted after the target)"
            : timelines.ByNumber.Count == 0 ? "timeline 1" : $"the latest timeline ({timelines.ByNumber.Keys.Max()})";
        return
        [
            $"restored base backup {manifest.Id} (timeline {manifest.Timeline}) into {Path.GetFullPath(directory)}; recovery target {target} on {followed}",
            "start PostgreSQL on it to replay the archived WAL (recovery.signal and the settings are in place)",
        ];
    }

    /// <summary>Restores into a scratch directory, starts PostgreSQL on loopback, runs the query, cleans up.</summary>
    public async Task<IReadOnlyList<string>> VerifyAsync(BackupVerifyRequest request, CancellationToken cancellationToken)
    {
        var objects = await backups.ObjectCheck(request.Prefix).CheckAsync(request.BackupId, cancellationToken);
        var checkedLine = $"backup {objects.BackupId}: {objects.Objects} objects authentic and matching ({ByteSize.Format(objects.Bytes)} of tar and WAL)";
        if (request.ObjectsOnly)
        {
            return [checkedLine, $"backup {objects.BackupId}: OK (objects only, not restored)"];
        }

        var owner = OsUser.Find(backups.Postgres.OsUser);
        var report = await backups.Verifier(request.Prefix).VerifyAsync(request.ScratchDirectory, objects.BackupId, dir =>
        {
            var settings = Path.Combine(dir, "config", "archive.json");
            ArchiveConfigWriter.Write(settings, backups.Settings(request.Prefix), owner);
            return PostgresBackups.RestoreCommand(settings);
        }, owner, request.Query, cancellationToken);
        return
        [
            checkedLine,
            $"backup {report.BackupId}: OK",
            $"  timeline  {report.Timeline}",
            $"  restore   {report.RestoreTime.TotalSeconds:0.0} s",
            $"  recovery  {report.RecoveryTime.TotalSeconds:0.0} s, replayed to {report.ReplayedTo}",
            $"  query     {report.Query}",
            $"  result    {report.Result}",
        ];
    }

    public async Task<IReadOnlyList<string>> RetainAsync(int keep, CancellationToken cancellationToken)
    {
        var plan = await backups.Retention().ApplyAsync(keep, cancellationToken);
        return [$"kept {plan.KeptBackups.Count} backups; deleted {plan.DeletedBackups.Count} backups and {plan.DeletedWal.Count} WAL files (WAL kept from {plan.OldestNeededWal ?? "-"})"];
    }
}
