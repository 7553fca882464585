namespace NodeAgent.Roles.Web.Deploy;

/// <summary>
/// One app's node-local deploy state, <c>&lt;state_dir&gt;/deploy/apps/&lt;app&gt;.json</c>, replaced atomically. The
/// applied sequence is the durable dedupe: a desired sequence at or below it is a no-op, across restarts.
/// </summary>
public sealed record AppDeployState
{
    public int Schema { get; init; } = 1;

    /// <summary>Highest desired sequence this node has converged to (0: none yet).</summary>
    public long AppliedSequence { get; init; }

    public string? Revision { get; init; }

    public string? Commit { get; init; }

    public string? Release { get; init; }

    /// <summary>The release <c>current</c> pointed to before the last switch (kept by retention, used by rollback).</summary>
    public string? PreviousRelease { get; init; }

    public DateTimeOffset? DeployedAt { get; init; }

    /// <summary>A sequence that failed for good (bad revision, hook failure); not retried until a newer one is desired.</summary>
    public long FailedSequence { get; init; }

    public string? FailedReason { get; init; }

    /// <summary>True when the failure was a rejection (the deploy could not even start), so redeliveries are rejected too.</summary>
    public bool FailedRejected { get; init; }

    /// <summary>Set by <c>nodeagent rollback</c>; cleared by the next deploy.</summary>
    public bool RolledBackByHand { get; init; }

    /// <summary>The sequence of a rollout this node follows until it ends (0: none): re-read on every nudge, even at or
    /// below the applied sequence, since a halt may ask it to switch back.</summary>
    public long RolloutSequence { get; init; }

    /// <summary>The highest advancer epoch seen in that rollout's progress: an older one is refused (fencing).</summary>
    public long RolloutEpoch { get; init; }

    /// <summary>A rollout sequence this node switched back from (it stays applied, so it is not deployed again).</summary>
    public long RevertedSequence { get; init; }
}
