namespace NodeAgent.Registry;

/// <summary>
/// One node's entry in the registry, <c>&lt;cluster&gt;/nodes/&lt;role&gt;/&lt;node-id&gt;.json</c>. Written by the node
/// itself; read by lb nodes (membership), publishers (deploy fan-out) and <c>nodeagent status --cluster</c>.
/// </summary>
public sealed record NodeRecord
{
    public const int CurrentSchema = 1;

    public int Schema { get; init; } = CurrentSchema;

    public required string Cluster { get; init; }

    public required string Role { get; init; }

    public required string NodeId { get; init; }

    public required string InstanceId { get; init; }

    public required string Address { get; init; }

    public string? PublicAddress { get; init; }

    public string? AvailabilityZone { get; init; }

    /// <summary>Named ports: <c>http</c> for web nodes, <c>status</c> for every agent, and so on.</summary>
    public IReadOnlyDictionary<string, int> Ports { get; init; } = new Dictionary<string, int>();

    /// <summary>The node's own DNS name (its A record), when DNS registration is configured.</summary>
    public string? DnsName { get; init; }

    /// <summary>The node's queue, for nudges (deploys, membership changes).</summary>
    public string? QueueUrl { get; init; }

    /// <summary>Apps served and their current release.</summary>
    public IReadOnlyDictionary<string, AppStatus> Apps { get; init; } = new Dictionary<string, AppStatus>();

    /// <summary><c>starting</c>, <c>healthy</c>, <c>unhealthy</c> or <c>draining</c>.</summary>
    public string Health { get; init; } = NodeHealth.Starting;

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset HeartbeatAt { get; init; }

    public string? AgentVersion { get; init; }

    /// <summary>While the node drains: which drain (lb nodes name it in their <c>removed</c> answers).</summary>
    public DrainInfo? Drain { get; init; }

    /// <summary>lb nodes only: the HAProxy view (backends, servers and their states).</summary>
    public BalancerView? Balancer { get; init; }

    /// <summary>db nodes with replication: role, timeline, positions, lag and the epoch of the writers' name.</summary>
    public DatabaseView? Database { get; init; }
}

public sealed record AppStatus
{
    public string? Release { get; init; }

    public string? Revision { get; init; }

    public long Sequence { get; init; }
}

public static class NodeHealth
{
    public const string Starting = "starting";
    public const string Healthy = "healthy";
    public const string Unhealthy = "unhealthy";
    public const string Draining = "draining";

    public static readonly IReadOnlySet<string> All = new HashSet<string> { Starting, Healthy, Unhealthy, Draining };
}
