namespace NodeAgent.Instance;

/// <summary>Why the node is going away, and by when it must be done (a spot interruption's time; null for a scale-in, whose hook waits).</summary>
public sealed record TerminationNotice(TerminationCause Cause, DateTimeOffset? Deadline, string Description)
{
    public override string ToString() => Description;
}

public enum TerminationCause
{
    /// <summary>The Auto Scaling group is terminating the instance (target lifecycle state <c>Terminated</c>).</summary>
    ScaleIn,

    /// <summary>A spot interruption notice: the instance stops or terminates at the notice's time.</summary>
    SpotInterruption,

    /// <summary>A rebalance recommendation with <c>lifecycle.rebalance: drain</c>: drain early, the termination comes later.</summary>
    Rebalance,
}
