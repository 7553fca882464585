namespace NodeAgent.Roles.Web.Rollout;

/// <summary>
/// Turns rollout settings and the nodes serving the app (live in the registry at publish time) into the plan the
/// publisher signs. Pure. Nodes are ordered by id, so a plan is reproducible. The batch size is cut down so that
/// <c>min_healthy</c> nodes always stay in rotation; a minimum that leaves no node to deploy is refused.
/// </summary>
public static class BatchPlanner
{
    /// <summary>The plan, or null for all at once (the strategy says so, or no node serves the app yet: nodes that boot
    /// later deploy at once, as before); or the reason the settings cannot be met.</summary>
    public static (RolloutPlan? Plan, string? Error) Build(RolloutSettings settings, IReadOnlyCollection<string> nodes, PreviousRelease? previous)
    {
        if (settings.Strategy == RolloutStrategy.AllAtOnce || nodes.Count == 0)
        {
            return (null, null);
        }

        if (nodes.Count > RolloutPlan.MaxNodes)
        {
            return (null, $"{nodes.Count} nodes serve the app; a rollout plan names at most {RolloutPlan.MaxNodes}");
        }

        var ordered = nodes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var total = ordered.Count;
        var batch = Math.Max(1, settings.BatchSize.Of(total, roundUp: true));
        var minHealthy = settings.MinHealthy?.Of(total, roundUp: false) ?? total - batch;
        if (minHealthy >= total)
        {
            return (null, $"min_healthy {settings.MinHealthy} keeps all {total} node(s) in rotation: no node could be deployed (lower it, or publish all at once)");
        }

        batch = Math.Min(batch, total - minHealthy);
        var batches = new List<IReadOnlyList<string>>();
        var rest = ordered;
        if (settings.Strategy == RolloutStrategy.Canary)
        {
            var canary = Math.Max(1, settings.Canary.Of(total, roundUp: true));
            if (canary > total - minHealthy)
            {
                return (null, $"a canary of {canary} node(s) would leave fewer than min_healthy {minHealthy} of {total} in rotation");
            }

            batches.Add(ordered.Take(canary).ToList());
            rest = ordered.Skip(canary).ToList();
        }

        batches.AddRange(rest.Chunk(batch).Select(c => (IReadOnlyList<string>)c.ToList()));
        var plan = new RolloutPlan
        {
            Strategy = settings.Strategy == RolloutStrategy.Canary ? "canary" : "rolling",
            Batches = batches,
            MinHealthy = minHealthy,
            BakeMs = (long)settings.Bake.TotalMilliseconds,
            MinHealthyTimeMs = (long)settings.MinHealthyTime.TotalMilliseconds,
            BatchTimeoutMs = (long)settings.BatchTimeout.TotalMilliseconds,
            DrainTimeoutMs = (long)settings.DrainTimeout.TotalMilliseconds,
            HealthTimeoutMs = (long)settings.HealthTimeout.TotalMilliseconds,
            AutoRevert = settings.AutoRevert,
            Gates = settings.Gates,
            Previous = previous,
        };
        return plan.Check() is { } error ? (null, error) : (plan, null);
    }
}
