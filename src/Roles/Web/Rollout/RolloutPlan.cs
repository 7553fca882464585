using NodeAgent.Configuration;
using NodeAgent.Roles.Web.Checkout;

namespace NodeAgent.Roles.Web.Rollout;

/// <summary>
/// The rollout of one publish, part of <c>desired.json</c> and so signed with the publish key: which nodes are in which
/// batch, how long each batch bakes, the gates, the minimum number of nodes kept in rotation, and whether a halt rolls
/// moved nodes back. Whoever advances the rollout (the active lb) can only release these batches in this order, or
/// halt: it cannot change the plan, and nodes check every progress record against it
/// (<see cref="RolloutProgress"/>, docs/security.md).
/// </summary>
public sealed record RolloutPlan
{
    public const int MaxNodes = 1000;

    /// <summary><c>rolling</c> or <c>canary</c> (no plan at all: all at once).</summary>
    public required string Strategy { get; init; }

    /// <summary>Node ids per batch, in release order.</summary>
    public required IReadOnlyList<IReadOnlyList<string>> Batches { get; init; }

    /// <summary>A batch is released only while at least this many of the app's other servers are in rotation.</summary>
    public int MinHealthy { get; init; }

    /// <summary>How long a batch bakes once all its nodes are back in rotation: gates are measured over this time.</summary>
    public long BakeMs { get; init; }

    /// <summary>Each node of the batch must stay healthy (its own health check) at least this long.</summary>
    public long MinHealthyTimeMs { get; init; }

    /// <summary>A batch whose nodes are not back in rotation this long after its release halts the rollout.</summary>
    public long BatchTimeoutMs { get; init; }

    /// <summary>How long a node waits for every lb to take it out of rotation before its swap.</summary>
    public long DrainTimeoutMs { get; init; }

    /// <summary>How long a node waits for its health check to pass on the new release before it switches back.</summary>
    public long HealthTimeoutMs { get; init; }

    /// <summary>On a halt, roll every node that moved back to its previous release.</summary>
    public bool AutoRevert { get; init; } = true;

    public required RolloutGates Gates { get; init; }

    public PreviousRelease? Previous { get; init; }

    public TimeSpan Bake => TimeSpan.FromMilliseconds(BakeMs);

    public TimeSpan MinHealthyTime => TimeSpan.FromMilliseconds(MinHealthyTimeMs);

    public TimeSpan BatchTimeout => TimeSpan.FromMilliseconds(BatchTimeoutMs);

    public TimeSpan DrainTimeout => TimeSpan.FromMilliseconds(DrainTimeoutMs);

    public TimeSpan HealthTimeout => TimeSpan.FromMilliseconds(HealthTimeoutMs);

    public IEnumerable<string> Nodes => Batches.SelectMany(b => b);

    /// <summary>The 0-based batch of <paramref name="nodeId"/>, or null when the plan does not name it.</summary>
    public int? BatchOf(string nodeId)
    {
        for (var i = 0; i < Batches.Count; i++)
        {
            if (Batches[i].Contains(nodeId, StringComparer.Ordinal))
            {
                return i;
            }
        }

        return null;
    }

    private static readonly long MaxDurationMs = (long)TimeSpan.FromDays(1).TotalMilliseconds;

    /// <summary>Why the plan is unusable; null when it is fine. Read from S3, so every field is checked.</summary>
    public string? Check()
    {
        if (Strategy is not ("rolling" or "canary"))
        {
            return $"rollout.strategy '{SafeText.Escape(Strategy)}' is not rolling or canary";
        }

        if (Batches is null || Batches.Count is 0 or > MaxNodes)
        {
            return $"rollout.batches must hold 1 to {MaxNodes} batches";
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Batches.Count; i++)
        {
            if (Batches[i] is null || Batches[i].Count == 0)
            {
                return $"rollout.batches[{i}] is empty";
            }

            foreach (var node in Batches[i])
            {
                if (node is null || !Names.IsNodeId(node))
                {
                    return $"rollout.batches[{i}] holds '{SafeText.Escape(node)}', which is not a node id";
                }

                if (!seen.Add(node))
                {
                    return $"rollout.batches names node {node} twice";
                }

                if (seen.Count > MaxNodes)
                {
                    return $"rollout.batches names more than {MaxNodes} nodes";
                }
            }
        }

        foreach (var (name, value) in new[] { ("bake_ms", BakeMs), ("min_healthy_time_ms", MinHealthyTimeMs), ("batch_timeout_ms", BatchTimeoutMs), ("drain_timeout_ms", DrainTimeoutMs), ("health_timeout_ms", HealthTimeoutMs) })
        {
            if (value < 0 || value > MaxDurationMs)
            {
                return $"rollout.{name} must be between 0 and one day";
            }
        }

        if (BatchTimeoutMs < 1000)
        {
            return "rollout.batch_timeout_ms must be at least one second";
        }

        if (MinHealthy < 0 || MinHealthy > MaxNodes)
        {
            return "rollout.min_healthy is out of range";
        }

        if (Gates is null)
        {
            return "rollout.gates is missing";
        }

        if (Gates.Check() is { } gates)
        {
            return "rollout." + gates;
        }

        if (Previous is { } previous)
        {
            if (previous.Sequence is < 1 or > Deploy.DesiredSequence.Max)
            {
                return "rollout.previous.sequence is out of range";
            }

            if (previous.Revision is { } r && (r.Length is 0 or > RevisionSyntax.MaxLength || !SafeText.IsPrintableAscii(r)))
            {
                return "rollout.previous.revision is not a short printable string";
            }
        }

        return null;
    }
}
