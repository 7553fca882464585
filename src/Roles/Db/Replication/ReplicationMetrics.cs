using NodeAgent.Roles.Db.Engines;
using Prometheus;

namespace NodeAgent.Roles.Db.Replication;

/// <summary>
/// The replication figures on /metrics, the same as in the registry record: role, timeline, positions (as byte offsets
/// where the engine's positions are numeric), replay lag in bytes and seconds, the epoch, streaming and synchronous
/// replicas on a primary, promotions, and the builds with the bytes they fetched from the archive.
/// </summary>
public sealed class ReplicationMetrics(IMetricFactory metrics)
{
    public Gauge Primary { get; } = metrics.CreateGauge("nodeagent_db_replication_primary", "1 while this node runs the primary and holds the writers' name.");

    public Gauge Replica { get; } = metrics.CreateGauge("nodeagent_db_replication_replica", "1 while this node runs a replica.");

    public Gauge Timeline { get; } = metrics.CreateGauge("nodeagent_db_replication_timeline", "The server's timeline.");

    public Gauge Position { get; } = metrics.CreateGauge("nodeagent_db_replication_position_bytes", "Primary: flushed WAL position; replica: received position (bytes).");

    public Gauge ReplayPosition { get; } = metrics.CreateGauge("nodeagent_db_replication_replay_position_bytes", "Replica: replayed WAL position (bytes).");

    public Gauge LagBytes { get; } = metrics.CreateGauge("nodeagent_db_replication_lag_bytes", "Replica: how far replay is behind what the primary has sent (bytes).");

    public Gauge LagSeconds { get; } = metrics.CreateGauge("nodeagent_db_replication_lag_seconds", "Replica: replay lag in seconds (0 when caught up).");

    public Gauge Epoch { get; } = metrics.CreateGauge("nodeagent_db_replication_epoch", "Fencing epoch of the writers' name: held (primary) or last seen.");

    public Gauge StreamingReplicas { get; } = metrics.CreateGauge("nodeagent_db_replication_streaming_replicas", "Primary: replicas streaming from it.");

    public Gauge SynchronousStandbys { get; } = metrics.CreateGauge("nodeagent_db_replication_synchronous_standbys", "Primary: replicas a commit may wait for (0: asynchronous).");

    public Counter Promotions { get; } = metrics.CreateCounter("nodeagent_db_replication_promotions_total", "Times this node's replica was promoted.");

    public Counter Fenced { get; } = metrics.CreateCounter("nodeagent_db_replication_fenced_total", "Times this node stopped its primary because it may not take writes.");

    public Counter Builds { get; } = metrics.CreateCounter("nodeagent_db_replication_builds_total", "Replica builds and rejoins, by method (full, delta, rewind).", ["method"]);

    public Counter BuildBytes { get; } = metrics.CreateCounter("nodeagent_db_replication_build_fetched_bytes_total", "Bytes fetched from the archive to build or re-seed replicas, by method.", ["method"]);

    public Gauge LastBuildBytes { get; } = metrics.CreateGauge("nodeagent_db_replication_last_build_fetched_bytes", "Bytes the last build fetched from the archive, by method.", ["method"]);

    public void Built(BuildReport report)
    {
        Builds.WithLabels(report.Method).Inc();
        BuildBytes.WithLabels(report.Method).Inc(report.BytesFetched);
        LastBuildBytes.WithLabels(report.Method).Set(report.BytesFetched);
    }
}
