using NodeAgent.Dns.Failover;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Engines;

namespace NodeAgent.Roles.Db.Replication;

/// <summary>Everything one round of the replication loop decides from: configuration, the name's holder, the local server, the primary's endpoint.</summary>
public sealed record PlanInput
{
    public required string NodeId { get; init; }

    public required string Name { get; init; }

    public ReplicationMode Mode { get; init; } = ReplicationMode.Auto;

    public bool AutoFailover { get; init; }

    /// <summary>What the shared name claim last found: this node active (holder), standby (another or no holder), unknown.</summary>
    public required FailoverSnapshot Claim { get; init; }

    public required LocalServer Local { get; init; }

    /// <summary>The running server's state; null when it does not run or does not answer (<see cref="StatusProblem"/>).</summary>
    public ReplicationStatus? Status { get; init; }

    public string? StatusProblem { get; init; }

    /// <summary>The holder's server, when another node holds the name and its registry record says where.</summary>
    public PeerEndpoint? Upstream { get; init; }

    public string? UpstreamProblem { get; init; }

    /// <summary>For a stopped replica: why it cannot catch up by replay, or null.</summary>
    public string? ReseedReason { get; init; }

    public PendingSwitchover? Switchover { get; init; }

    public bool PrimaryReady { get; init; }

    public required DateTimeOffset Now { get; init; }
}
