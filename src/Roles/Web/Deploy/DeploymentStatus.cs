namespace NodeAgent.Roles.Web.Deploy;

/// <summary>
/// <c>&lt;cluster&gt;/deployments/&lt;seq&gt;/&lt;node-id&gt;.json</c>: one node's progress on one sequence, rewritten at
/// each stage. <c>nodeagent deploy --wait</c> reads these.
/// </summary>
public sealed record DeploymentStatus
{
    public int Schema { get; init; } = 1;

    public required string Cluster { get; init; }

    public required string App { get; init; }

    public required long Sequence { get; init; }

    public required string NodeId { get; init; }

    /// <summary>See <see cref="DeployStates"/>.</summary>
    public required string State { get; init; }

    /// <summary>While deploying: checkout, build, swap, after_swap, validate.</summary>
    public string? Stage { get; init; }

    public string? Revision { get; init; }

    public string? Commit { get; init; }

    public string? Release { get; init; }

    public string? Detail { get; init; }

    /// <summary>Tail of the hook output, when a hook ran.</summary>
    public string? Output { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When <c>current</c> was switched to the new release.</summary>
    public DateTimeOffset? SwappedAt { get; init; }

    public bool IsTerminal => DeployStates.Terminal.Contains(State);
}
