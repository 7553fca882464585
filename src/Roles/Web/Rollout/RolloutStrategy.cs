namespace NodeAgent.Roles.Web.Rollout;

/// <summary>How a publish reaches the nodes of an app (docs/deploys.md#rollouts).</summary>
public enum RolloutStrategy
{
    /// <summary>Every node at once, as soon as it is nudged (the default).</summary>
    AllAtOnce,

    /// <summary>Batches of a count or a share of the nodes, one after the other, each gated.</summary>
    Rolling,

    /// <summary>A first (canary) batch, baked and gated, then the rest in batches.</summary>
    Canary,
}
