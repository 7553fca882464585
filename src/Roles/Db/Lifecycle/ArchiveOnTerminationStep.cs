using Microsoft.Extensions.Logging;
using NodeAgent.Instance;

namespace NodeAgent.Roles.Db.Lifecycle;

/// <summary>
/// A db node whose instance goes away: a primary with a replica hands over first (<see cref="IPlannedSwitchover"/>);
/// otherwise — or if that did not happen — the engine gets its last WAL (or binlog) into the archive and waits until it is stored (<see cref="IArchiveFlush"/>), so a restore from the archive
/// has every transaction committed before the termination. Then the agent stops and completes the hook.
/// </summary>
public sealed partial class ArchiveOnTerminationStep(
    IEnumerable<IPlannedSwitchover> switchovers,
    IEnumerable<IArchiveFlush> flushes,
    ILogger<ArchiveOnTerminationStep> logger) : ITerminationStep
{
    public string Name => "hand over or archive the last WAL";

    public async Task RunAsync(TerminationNotice notice, CancellationToken cancellationToken)
    {
        foreach (var switchover in switchovers)
        {
            var result = await switchover.SwitchOverAsync(cancellationToken);
            LogSwitchover(logger, result.Outcome.ToString(), result.Detail);
            if (result.Outcome == SwitchoverOutcome.SwitchedOver)
            {
                return;
            }
        }

        var any = false;
        foreach (var flush in flushes)
        {
            any = true;
            var archived = await flush.FlushAsync(cancellationToken);
            LogArchived(logger, archived);
        }

        if (!any)
        {
            LogNothingToFlush(logger);
        }
    }

    [LoggerMessage(EventId = 7690, Level = LogLevel.Warning, Message = "Lifecycle: planned switchover: {Outcome}: {Detail}")]
    private static partial void LogSwitchover(ILogger logger, string outcome, string detail);

    [LoggerMessage(EventId = 7691, Level = LogLevel.Warning, Message = "Lifecycle: the last WAL is in the archive ({Archived})")]
    private static partial void LogArchived(ILogger logger, string archived);

    [LoggerMessage(EventId = 7692, Level = LogLevel.Warning, Message = "Lifecycle: backups are off (db.backup.enabled: false); nothing to archive before the termination")]
    private static partial void LogNothingToFlush(ILogger logger);
}
