namespace NodeAgent.Roles.Db.Engines;

/// <summary>
/// One engine's side of replication (docs/replication.md): what the engine-neutral loop, gate, probe and switchover in
/// <c>Db/Replication/</c> ask the local database server to do. Registered by <see cref="IDbEngine.AddReplication"/>;
/// PostgreSQL implements it today, MariaDB later. Positions are the engine's own text (an LSN, a GTID set) with a
/// comparable <see cref="ReplicationProgress"/> next to them. Every method takes the server's current state as it
/// finds it: the loop calls them level-triggered and may call them again after a crash at any step.
/// </summary>
public interface IReplicationEngine
{
    /// <summary>The engine as the registry names it (<c>postgresql</c>).</summary>
    string EngineName { get; }

    /// <summary>The registry port name peers connect to (<c>ports.postgresql</c>), and this node's port.</summary>
    string PortName { get; }

    int Port { get; }

    /// <summary>What the data directory holds and whether the server runs. Cheap: files and a process check.</summary>
    Task<LocalServer> InspectAsync(CancellationToken cancellationToken);

    /// <summary>The running server's replication state. Throws when it does not answer.</summary>
    Task<ReplicationStatus> ReadStatusAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Starts the server on its data directory with this node's managed settings: as the primary (the data must be a
    /// primary's; returns once it accepts writes), or as a replica following <paramref name="upstream"/> (when known;
    /// otherwise it replays from the archive alone until told).
    /// </summary>
    Task StartAsync(bool asPrimary, PeerEndpoint? upstream, CancellationToken cancellationToken);

    /// <summary>Stops the server now (fencing): no new writes are accepted once this returns.</summary>
    Task StopAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Planned switchover on the primary: stops taking writes, lets the connected replicas receive everything, stops
    /// cleanly, and returns the final position every replica must replay past.
    /// </summary>
    Task<string> StopForSwitchoverAsync(CancellationToken cancellationToken);

    /// <summary>True once this replica has replayed past <paramref name="position"/> (one of this engine's positions).</summary>
    Task<bool> ReplayedPastAsync(string position, CancellationToken cancellationToken);

    /// <summary>
    /// Why this replica's data cannot catch up by replay and must be re-seeded from the archive (its log is gone from the
    /// archive, it is older than the newest backup, an earlier re-seed was interrupted), or null when it can.
    /// </summary>
    Task<string?> NeedsReseedAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Builds (empty data directory) or re-seeds (existing one: only what differs is fetched) a replica from the newest
    /// backup in the archive, never from the primary, and leaves it ready to start as a replica. The server is stopped.
    /// </summary>
    Task<BuildReport> BuildReplicaAsync(PeerEndpoint? upstream, CancellationToken cancellationToken);

    /// <summary>A former primary becomes a replica of <paramref name="upstream"/>: rewound onto its history, or re-seeded when that is impossible. The server is stopped.</summary>
    Task<BuildReport> RejoinAsync(PeerEndpoint upstream, CancellationToken cancellationToken);

    /// <summary>Points the running replica at <paramref name="upstream"/> (a new primary) without a restart.</summary>
    Task PointAtAsync(PeerEndpoint upstream, CancellationToken cancellationToken);

    /// <summary>Promotes the running replica to primary; records the new history in the archive. Returns its timeline.</summary>
    Task<long> PromoteAsync(PromotionContext context, CancellationToken cancellationToken);

    /// <summary>On the primary: the replication user with the configured secret, and access for it from the allowed networks.</summary>
    Task EnsurePrimaryAsync(CancellationToken cancellationToken);

    /// <summary>On the primary: commits wait for one of <paramref name="standbys"/> (empty: for none). Returns true when it changed.</summary>
    Task<bool> SetSynchronousAsync(IReadOnlyList<string> standbys, CancellationToken cancellationToken);

    /// <summary>Another replica's progress, read from its server; null when it does not answer in time.</summary>
    Task<ReplicationProgress?> ReadPeerAsync(PeerEndpoint peer, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Whether the server at <paramref name="holder"/> accepts connections: null when it does, else why not.</summary>
    Task<string?> ProbeAsync(PeerEndpoint holder, TimeSpan timeout, CancellationToken cancellationToken);
}
