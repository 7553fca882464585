namespace NodeAgent.Roles.Web.Rollout;

/// <summary>Why a rollout halted: the gate (<c>error_rate</c>, <c>check</c>, <c>deploy</c>, <c>batch_timeout</c>, <c>abort</c>, …), the reason with the measured value, and the batch.</summary>
public sealed record RolloutHalt
{
    public required string Gate { get; init; }

    public required string Reason { get; init; }

    /// <summary>1-based batch, 0 when no batch was involved (an abort before the first release).</summary>
    public int Batch { get; init; }

    public required DateTimeOffset At { get; init; }
}
