namespace NodeAgent.Roles.Web.Rollout;

/// <summary>One batch of a rollout as the advancer last saw it.</summary>
public sealed record BatchProgress
{
    /// <summary>1-based, as shown.</summary>
    public required int Index { get; init; }

    public required IReadOnlyList<string> Nodes { get; init; }

    /// <summary>See <see cref="RolloutStates"/> (<c>pending</c>, <c>released</c>, <c>baking</c>, <c>passed</c>, <c>failed</c>).</summary>
    public string State { get; init; } = RolloutStates.BatchPending;

    public DateTimeOffset? ReleasedAt { get; init; }

    /// <summary>When every node of the batch was back in rotation: the bake counts from here.</summary>
    public DateTimeOffset? InRotationAt { get; init; }

    /// <summary>The lease epoch under which the bake started; a new advancer (failover) starts the bake again, with its own counters.</summary>
    public long BakeEpoch { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Nodes of the batch that were not live when it was released: they deploy when they come back.</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];

    public IReadOnlyList<GateResult> Gates { get; init; } = [];

    public string? Detail { get; init; }
}
