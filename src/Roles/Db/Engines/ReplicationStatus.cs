namespace NodeAgent.Roles.Db.Engines;

/// <summary>
/// The running server's replication state, in the registry's engine-neutral terms (<c>DatabaseView</c>): primary or
/// replica, timeline, positions as the engine writes them, replay lag, what the replica's receiver does, which replicas
/// stream from a primary, and its progress in comparable form.
/// </summary>
public sealed record ReplicationStatus
{
    public required bool IsReplica { get; init; }

    public long? Timeline { get; init; }

    /// <summary>Primary: the flushed end of its log. Replica: the end of what it received.</summary>
    public string? Position { get; init; }

    public string? ReplayPosition { get; init; }

    /// <summary><see cref="Position"/> and <see cref="ReplayPosition"/> as numbers, where the engine's positions are byte offsets (for /metrics).</summary>
    public ulong? PositionBytes { get; init; }

    public ulong? ReplayPositionBytes { get; init; }

    public long? LagBytes { get; init; }

    public double? LagSeconds { get; init; }

    /// <summary>Replica: <c>streaming</c> while connected to the primary, else <c>archive</c> (replaying what the archive has).</summary>
    public string? ReceiverState { get; init; }

    /// <summary>Replica: the address its receiver is connected to or configured for.</summary>
    public string? UpstreamHost { get; init; }

    /// <summary>Primary: the replicas streaming from it, by the name they connect with (their node ids).</summary>
    public IReadOnlyList<string> StreamingReplicas { get; init; } = [];

    /// <summary>Primary: the replicas commits wait for (as configured), empty when asynchronous.</summary>
    public IReadOnlyList<string> SynchronousStandbys { get; init; } = [];

    public required ReplicationProgress Progress { get; init; }
}
