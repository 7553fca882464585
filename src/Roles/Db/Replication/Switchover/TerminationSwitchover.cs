using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Registry;
using NodeAgent.Roles.Db.Lifecycle;
using PlannedOutcome = NodeAgent.Roles.Db.Lifecycle.SwitchoverOutcome;

namespace NodeAgent.Roles.Db.Replication.Switchover;

/// <summary>
/// A primary whose instance is being terminated hands the writers' name to its most caught-up live replica before it
/// stops (the lifecycle's <see cref="IPlannedSwitchover"/>), through the same planned switchover as
/// <c>nodeagent db promote</c>: nothing acknowledged is lost and the replica takes over at once instead of after the
/// lease runs out. A node that is not the primary, or a cluster with no live replica, is "not applicable": the
/// termination step then archives the last WAL as without replicas. A switchover that was tried and did not complete
/// is "failed", and the step archives too; the replicas' own failover takes over after the node is gone.
/// </summary>
public sealed partial class TerminationSwitchover(
    ReplicationState state, IDbSwitchover switchover, NodeIdentity identity, ILogger<TerminationSwitchover> logger) : IPlannedSwitchover
{
    /// <summary>How long the termination waits for the replica to take over (the hook's heartbeat keeps the instance).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    public async Task<SwitchoverResult> SwitchOverAsync(CancellationToken cancellationToken)
    {
        if (state.View is not { Role: DatabaseView.Primary })
        {
            return new SwitchoverResult(PlannedOutcome.NotApplicable, $"this node is {state.View?.Role ?? "not yet in a replication role"}, not the primary");
        }

        LogStarting(logger, identity.NodeId);
        var outcome = await switchover.SwitchOverAsync(new SwitchoverRequest { RequestedBy = identity.NodeId, Timeout = Timeout }, cancellationToken);
        return outcome switch
        {
            { Succeeded: true } => new SwitchoverResult(PlannedOutcome.SwitchedOver,
                $"{outcome.Target} is the primary now (epoch {outcome.Epoch}, timeline {outcome.Timeline}): {outcome.Detail}"),

            // Refused before any replica was asked: nobody to hand over to (or nobody holds the name).
            { Target: null } => new SwitchoverResult(PlannedOutcome.NotApplicable, outcome.Detail),
            _ => new SwitchoverResult(PlannedOutcome.Failed, $"{outcome.Target}: {outcome.Detail}"),
        };
    }

    [LoggerMessage(EventId = 6496, Level = LogLevel.Warning, Message = "Replication: {NodeId} is the primary and its instance is going away; handing over to a replica")]
    private static partial void LogStarting(ILogger logger, string nodeId);
}
