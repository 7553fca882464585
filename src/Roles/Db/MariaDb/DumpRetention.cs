using Microsoft.Extensions.Logging;
using NodeAgent.Roles.Db.Backup.Encryption;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.MariaDb;

/// <summary>
/// Keeps the newest K complete dumps; deletes older ones, abandoned incomplete ones, and shipped binlogs before the
/// oldest kept dump's binlog file (replaying from a kept dump starts at its position, so earlier logs are not needed).
/// </summary>
public sealed partial class DumpRetention(IObjectStore store, MariaDbLayout layout, ILogger logger, BackupCipher? cipher = null)
{
    public static DumpRetentionPlan Plan(IReadOnlyList<DumpEntry> dumps, IEnumerable<string> binlogs, int keep)
    {
        var complete = dumps.Where(d => d.Complete).OrderBy(d => d.Id, StringComparer.Ordinal).ToList();
        if (complete.Count == 0)
        {
            return new DumpRetentionPlan([], [], []);
        }

        var kept = complete.TakeLast(keep).ToList();
        var deleted = complete.Except(kept).Concat(dumps.Where(d => !d.Complete && string.CompareOrdinal(d.Id, complete[^1].Id) < 0))
            .Select(d => d.Id).Order(StringComparer.Ordinal).ToList();
        var boundary = kept[0].Manifest!.BinlogFile;
        var oldBinlogs = boundary is null ? [] : binlogs.Where(b => string.CompareOrdinal(b, boundary) < 0).Order(StringComparer.Ordinal).ToList();
        return new DumpRetentionPlan(kept.Select(d => d.Id).ToList(), deleted, oldBinlogs);
    }

    public async Task<DumpRetentionPlan> ApplyAsync(int keep, CancellationToken cancellationToken)
    {
        var dumps = await new DumpCatalog(store, layout, cipher).ListAsync(cancellationToken);
        var binlogs = await store.ListAsync(layout.BinlogDirectory, null, cancellationToken);
        var plan = Plan(dumps, binlogs.Objects.Select(o => layout.BinlogNameOf(o.Key)).OfType<string>(), keep);
        await store.DeleteManyAsync(plan.DeletedDumps.Select(layout.Manifest).ToList(), cancellationToken);
        await store.DeleteManyAsync(plan.DeletedDumps.Select(layout.Dump).ToList(), cancellationToken);
        await store.DeleteManyAsync(plan.DeletedBinlogs.Select(layout.Binlog).ToList(), cancellationToken);
        if (plan.DeletedDumps.Count + plan.DeletedBinlogs.Count > 0)
        {
            LogApplied(logger, plan.DeletedDumps.Count, plan.DeletedBinlogs.Count, plan.KeptDumps.Count);
        }

        return plan;
    }

    [LoggerMessage(EventId = 6230, Level = LogLevel.Information, Message = "Retention deleted {Dumps} dumps and {Binlogs} binlogs; kept {Kept} dumps")]
    private static partial void LogApplied(ILogger logger, int dumps, int binlogs, int kept);
}
