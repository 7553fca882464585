namespace NodeAgent.Roles.Web.Rollout;

/// <summary>
/// A web node's part in a rollout, decided from the signed plan, the progress record (already checked against the
/// plan, or null) and what the node has applied. Pure. The rules: deploy only once this node's batch is released (a
/// node the plan does not name waits for the rollout to succeed); never move once the rollout halted; switch back
/// only if this node moved to the sequence and has not switched back already.
/// </summary>
public static class RolloutFollower
{
    public static RolloutDecision Decide(RolloutPlan plan, RolloutProgress? progress, string nodeId, long sequence, long applied, long reverted, bool hasRelease)
    {
        var batch = plan.BatchOf(nodeId);
        var state = progress?.State;
        var where = batch is { } b ? $"batch {b + 1} of {plan.Batches.Count}" : "not in the plan (deploys when the rollout succeeds)";
        if (applied >= sequence)
        {
            if (progress?.Revert == true && reverted != sequence)
            {
                return new RolloutDecision(RolloutAction.Revert, $"the rollout halted ({progress.Halt?.Gate ?? "halt"}): switching back");
            }

            return state is not null && RolloutStates.IsTerminal(state)
                ? new RolloutDecision(RolloutAction.Done, $"rollout {state}")
                : new RolloutDecision(RolloutAction.Wait, $"deployed ({where}); following the rollout");
        }

        var stopped = progress is not null && (progress.Revert || state is RolloutStates.Halted or RolloutStates.RolledBack or RolloutStates.Failed or RolloutStates.RollingBack);
        var released = !stopped && progress is not null
                       && (batch is { } index ? index < progress.Released : state == RolloutStates.Succeeded);
        if (released)
        {
            return new RolloutDecision(RolloutAction.Deploy, $"{where} is released");
        }

        if (!hasRelease && plan.Previous is not null)
        {
            return new RolloutDecision(RolloutAction.DeployPrevious, $"no release yet and {where} is not released: starting on sequence {plan.Previous.Sequence}");
        }

        if (stopped)
        {
            return new RolloutDecision(RolloutAction.Done, $"the rollout {state}; this node never moved and keeps its release");
        }

        return new RolloutDecision(RolloutAction.Wait, $"waiting: {where}, {progress?.Released ?? 0} of {plan.Batches.Count} released");
    }
}
