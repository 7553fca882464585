using Microsoft.Extensions.Logging;
using NodeAgent.Roles.Db.Backup.Encryption;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>Applies <see cref="RetentionPlanner"/> to the archive: lists, plans, then deletes manifests, backup data and WAL in that order.</summary>
public sealed partial class RetentionRunner(IObjectStore store, ArchiveLayout layout, ILogger logger, BackupCipher? cipher = null)
{
    public async Task<RetentionPlan> ApplyAsync(int keep, CancellationToken cancellationToken)
    {
        var backups = await new BackupCatalog(store, layout, cipher).ListAsync(cancellationToken);
        var wal = await store.ListAsync(layout.WalDirectory, null, cancellationToken);
        var plan = RetentionPlanner.Plan(backups, wal.Objects.Select(o => layout.WalNameOf(o.Key)).OfType<string>(), keep);
        if (plan.Empty)
        {
            return plan;
        }

        await store.DeleteManyAsync(plan.DeletedBackups.Select(layout.Manifest).ToList(), cancellationToken);
        // The manifest goes first (the backup stops counting), then every other object of the backup: its tar and the
        // delta re-seed index. A crash in between leaves a backup without a manifest, which the next run deletes.
        await store.DeleteManyAsync(plan.DeletedBackups.SelectMany(id => new[] { layout.BaseTar(id), layout.Index(id) }).ToList(), cancellationToken);
        await store.DeleteManyAsync(plan.DeletedWal.Select(layout.Wal).ToList(), cancellationToken);
        LogApplied(logger, plan.DeletedBackups.Count, plan.DeletedWal.Count, plan.KeptBackups.Count, plan.OldestNeededWal);
        return plan;
    }

    [LoggerMessage(EventId = 6060, Level = LogLevel.Information, Message = "Retention deleted {Backups} backups and {Wal} WAL files; kept {Kept} backups, WAL from {OldestWal}")]
    private static partial void LogApplied(ILogger logger, int backups, int wal, int kept, string? oldestWal);
}
