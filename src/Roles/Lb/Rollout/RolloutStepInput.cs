using NodeAgent.Roles.Web.Rollout;

namespace NodeAgent.Roles.Lb.Rollout;

/// <summary>
/// Everything one step of a rollout looks at: the signed plan (and which desired record it is), the progress so far,
/// the operator's last control, who advances under which epoch, what the registry, the status records and this lb's
/// HAProxy say about each node, and the gate measurement of the baking batch (null when there is none, or when this
/// lb has no baseline for it: after a failover the bake starts again with this lb's counters).
/// </summary>
public sealed record RolloutStepInput
{
    public required string Cluster { get; init; }

    public required string App { get; init; }

    public required long Sequence { get; init; }

    public required string PlanDigest { get; init; }

    public string? Revision { get; init; }

    public required RolloutPlan Plan { get; init; }

    public RolloutProgress? Progress { get; init; }

    public RolloutControl? Control { get; init; }

    public required long Epoch { get; init; }

    public required string Advancer { get; init; }

    public required DateTimeOffset Now { get; init; }

    public required IReadOnlyDictionary<string, NodeObservation> Nodes { get; init; }

    /// <summary>Servers of the app in rotation on this lb, by node id.</summary>
    public required IReadOnlySet<string> InRotation { get; init; }

    public GateMeasurement? Measurement { get; init; }
}
