namespace NodeAgent.Roles.Lb.Rollout;

/// <summary>
/// One web node as the advancer sees it in one round: live in the registry and its own health there, whether its
/// server is in rotation on this lb (present, up, neither draining nor in maintenance) and HAProxy's status for it,
/// and its status record for the rollout's sequence.
/// </summary>
public sealed record NodeObservation
{
    public required string NodeId { get; init; }

    public bool Live { get; init; }

    public string? Health { get; init; }

    public bool InRotation { get; init; }

    /// <summary>HAProxy's word for the server (<c>UP</c>, <c>DOWN</c>, <c>MAINT</c>…), or null when it has none.</summary>
    public string? Server { get; init; }

    /// <summary>The node's status record state for the sequence (<c>deploying</c>, <c>succeeded</c>, …), or null.</summary>
    public string? Status { get; init; }

    public string? StatusDetail { get; init; }
}
