using NodeAgent.Dns.Failover;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Engines;

namespace NodeAgent.Roles.Db.Replication;

/// <summary>
/// The replication loop's decisions, pure (docs/replication.md, "States"). The writers' name is the authority: the node
/// holding it must run the primary; every other node must run a replica of the holder. So, level-triggered:
/// <list type="bullet">
/// <item><b>this node holds the name</b>: start its primary, or promote its replica; then ensure replication access and serve;</item>
/// <item><b>another node holds it</b>: a primary here is fenced at once (stopped), then rejoins as the holder's
/// replica (rewind, else re-seed); a replica follows the holder; an empty node is built from the archive;</item>
/// <item><b>nobody holds it, or DNS cannot be read</b>: replicas keep serving reads from what they have (and are built
/// or started from the archive); a primary's data waits until its node claims the name. A primary whose own lease ran
/// out unrenewed stops taking writes when automatic failover is on (a replica may already have taken over).</item>
/// </list>
/// On the old primary of a planned switchover, the server stays stopped until the target holds the name, or until the
/// deadline, after which a node still holding the name serves again.
/// </summary>
public static class ReplicationPlanner
{
    public static ReplicationStep Plan(PlanInput input)
    {
        var claim = input.Claim;
        var local = input.Local;
        var holdsName = claim.Role == FailoverRole.Active;
        var otherHolds = claim.Role == FailoverRole.Standby && claim.Holder is { } h && h != input.NodeId;

        if (input.Switchover is { } switchover && !otherHolds)
        {
            if (input.Now < switchover.Deadline)
            {
                return new(StepKind.Wait, $"stopped for a planned switchover to {switchover.Target} (epoch {switchover.Epoch}); waiting for it to take over");
            }

            if (holdsName)
            {
                return new(StepKind.ResumeAfterSwitchover, $"the switchover to {switchover.Target} did not happen in time; serving as primary again");
            }
        }

        if (holdsName)
        {
            return HoldingName(input, local);
        }

        if (otherHolds)
        {
            return AnotherHolds(input, local, claim.Holder!, claim.Epoch);
        }

        return NobodyHolds(input, local, claim);
    }

    private static ReplicationStep HoldingName(PlanInput input, LocalServer local)
    {
        if (local.Data == LocalData.Empty)
        {
            return new(StepKind.Wait, $"holds {input.Name} but has no data ({local.Detail})");
        }

        if (!local.Running)
        {
            return local.Data == LocalData.Primary
                ? new(StepKind.StartPrimary, $"holds {input.Name} (epoch {input.Claim.Epoch}); starting the primary")
                : new(StepKind.StartReplica, $"holds {input.Name} (epoch {input.Claim.Epoch}); starting the replica to promote it");
        }

        if (input.Status is not { } status)
        {
            return new(StepKind.Wait, $"holds {input.Name}; the server does not answer yet ({input.StatusProblem ?? "starting"})");
        }

        if (status.IsReplica)
        {
            return new(StepKind.Promote, $"holds {input.Name} (epoch {input.Claim.Epoch}) and runs a replica: promoting it");
        }

        return input.PrimaryReady
            ? new(StepKind.Serve, $"primary, holds {input.Name} (epoch {input.Claim.Epoch})")
            : new(StepKind.EnsurePrimary, $"primary, holds {input.Name} (epoch {input.Claim.Epoch}); ensuring replication access");
    }

    private static ReplicationStep AnotherHolds(PlanInput input, LocalServer local, string holder, long epoch)
    {
        var upstream = input.Upstream;
        var unknownUpstream = $"{holder} holds {input.Name} (epoch {epoch}), but {input.UpstreamProblem ?? "its address is not known"}";
        switch (local.Data)
        {
            case LocalData.Primary when local.Running:
                return new(StepKind.Fence, $"fenced: {holder} holds {input.Name} with epoch {epoch}; this node's primary stops taking writes");
            case LocalData.Primary:
                return upstream is null
                    ? new(StepKind.Wait, $"fenced: {unknownUpstream}; rejoining once it is")
                    : new(StepKind.Rejoin, $"fenced: {holder} holds {input.Name} with epoch {epoch}; rejoining as its replica", upstream);
            case LocalData.Empty:
                return new(StepKind.Build, $"building a replica of {holder} from the archive", upstream);
        }

        if (!local.Running)
        {
            return input.ReseedReason is { } why
                ? new(StepKind.Build, $"re-seeding from the archive: {why}", upstream)
                : new(StepKind.StartReplica, $"starting the replica of {holder}", upstream);
        }

        if (input.Status is not { } status)
        {
            return new(StepKind.Wait, $"replica of {holder}; the server does not answer yet ({input.StatusProblem ?? "starting"})");
        }

        if (!status.IsReplica)
        {
            return new(StepKind.Fence, $"fenced: this node runs a primary but {holder} holds {input.Name} with epoch {epoch}");
        }

        if (upstream is null)
        {
            return new(StepKind.Serve, $"replica serving reads from what it has: {unknownUpstream}");
        }

        if (status.UpstreamHost != upstream.Address.ToString())
        {
            return new(StepKind.PointAt, $"following the new primary {upstream}", upstream);
        }

        return new(StepKind.Serve, $"replica of {holder} ({status.ReceiverState})", upstream);
    }

    private static ReplicationStep NobodyHolds(PlanInput input, LocalServer local, FailoverSnapshot claim)
    {
        var why = claim.Role == FailoverRole.Unknown ? $"the name cannot be read ({claim.Detail})" : $"no primary holds {input.Name}";
        switch (local.Data)
        {
            case LocalData.Replica when !local.Running:
                return input.ReseedReason is { } reseed
                    ? new(StepKind.Build, $"re-seeding from the archive: {reseed}")
                    : new(StepKind.StartReplica, $"starting the replica from what it has; {why}");
            case LocalData.Replica:
                return new(StepKind.Serve, $"replica serving reads from what it has; {why}");
            case LocalData.Empty when input.Mode != ReplicationMode.Primary:
                return new(StepKind.Build, $"building a replica from the archive; {why}");
            case LocalData.Empty:
                return new(StepKind.Wait, $"mode primary, but the data directory is empty ({local.Detail})");
        }

        var lapsedOwnLease = claim.Role == FailoverRole.Unknown && claim.Holder == input.NodeId;
        if (local.Running && input.Status is { IsReplica: false })
        {
            return lapsedOwnLease && input.AutoFailover
                ? new(StepKind.Fence, $"this primary's lease on {input.Name} ran out unrenewed ({claim.Detail}); with automatic failover a replica may have taken over: not taking writes")
                : new(StepKind.Wait, $"primary not holding {input.Name}: {why}");
        }

        return new(StepKind.Wait, $"waiting to claim {input.Name}: {why}");
    }
}
