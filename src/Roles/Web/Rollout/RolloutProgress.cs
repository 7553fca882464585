using NodeAgent.Configuration;
using NodeAgent.Roles.Web.Deploy;

namespace NodeAgent.Roles.Web.Rollout;

/// <summary>
/// <c>&lt;cluster&gt;/apps/&lt;app&gt;/rollout.json</c>: how far the rollout of the app's current desired sequence has
/// got, written by the advancer (the active lb), signed with <c>queue.signing_key</c>. It never names a revision: it
/// refers to the signed plan by <see cref="Plan"/> (SHA-256 of the exact <c>desired.json</c> bytes) and can only say
/// how many of its batches are released, whether nodes that moved must switch back, and why it halted. A node accepts
/// it only for its desired sequence and plan, and never from an older <see cref="Epoch"/> than one it has seen
/// (docs/security.md).
/// </summary>
public sealed record RolloutProgress
{
    public const int CurrentSchema = 1;
    public const int MaxEvents = 100;

    public int Schema { get; init; } = CurrentSchema;

    public required string Cluster { get; init; }

    public required string App { get; init; }

    public required long Sequence { get; init; }

    /// <summary><c>sha256:&lt;hex&gt;</c> of the desired record's bytes.</summary>
    public required string Plan { get; init; }

    public string? Revision { get; init; }

    /// <summary>The advancer's fencing epoch (its lease on the lb pair's name); 0 for a lone lb without failover.</summary>
    public required long Epoch { get; init; }

    /// <summary>The lb node that wrote this version.</summary>
    public required string Advancer { get; init; }

    /// <summary>See <see cref="RolloutStates"/>.</summary>
    public required string State { get; init; }

    /// <summary>How many batches (from the first) are released.</summary>
    public int Released { get; init; }

    /// <summary>Nodes that moved to this sequence must switch back to their previous release.</summary>
    public bool Revert { get; init; }

    public IReadOnlyList<BatchProgress> Batches { get; init; } = [];

    public RolloutHalt? Halt { get; init; }

    /// <summary>What the rollout waits for now (shown by <c>deploy --wait</c>).</summary>
    public string? Detail { get; init; }

    /// <summary>Since when the next batch waits for <c>min_healthy</c> servers in rotation (a wait past the batch
    /// timeout halts the rollout).</summary>
    public DateTimeOffset? BlockedSince { get; init; }

    /// <summary>The <c>deploy pause|resume|abort</c> last applied (its time), so each is applied once.</summary>
    public DateTimeOffset? ControlAt { get; init; }

    public IReadOnlyList<RolloutEventRecord> Events { get; init; } = [];

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public bool IsTerminal => RolloutStates.IsTerminal(State);

    /// <summary>Why this record cannot be used for <paramref name="desired"/> and its <paramref name="plan"/> digest; null when it can.</summary>
    public string? Check(string cluster, string app, long sequence, string plan, RolloutPlan rollout) => this switch
    {
        { Schema: not CurrentSchema } => $"schema {Schema} is not {CurrentSchema}",
        _ when Cluster != cluster || App != app => "it is for another cluster or app",
        _ when Sequence != sequence => $"it is for sequence {Sequence}, not the desired {sequence}",
        _ when Plan != plan => "it refers to another plan than the signed desired state",
        _ when !RolloutStates.All.Contains(State) => $"state '{SafeText.Escape(State)}' is unknown",
        { Epoch: < 0 or > DesiredSequence.Max } => "epoch is out of range",
        _ when !Names.IsNodeId(Advancer) => "advancer is not a node id",
        _ when Released < 0 || Released > rollout.Batches.Count => $"released {Released} is outside 0-{rollout.Batches.Count}",
        _ when State == RolloutStates.Succeeded && (Released != rollout.Batches.Count || Revert) => "succeeded before every batch was released",
        _ when Revert && State is not (RolloutStates.RollingBack or RolloutStates.RolledBack or RolloutStates.Failed) => "revert is set in a state that does not revert",
        _ when Batches.Count > RolloutPlan.MaxNodes || Events.Count > MaxEvents => "it lists too many batches or events",
        _ => null,
    };

    /// <summary>The digest that ties a progress record to the exact signed desired record.</summary>
    public static string PlanDigest(byte[] desiredContent) => "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(desiredContent));
}
