namespace NodeAgent.Roles.Db.Replication.Switchover;

/// <summary>What to switch over to: a replica (null: the most caught-up live one), only from an epoch (null: the current one), waiting how long.</summary>
public sealed record SwitchoverRequest
{
    public string? Target { get; init; }

    public long? ExpectedEpoch { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Who asks (a node id, or <c>cli</c>).</summary>
    public string RequestedBy { get; init; } = "cli";
}
