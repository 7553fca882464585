using Prometheus;

namespace NodeAgent.Roles.Db.MariaDb.Replication;

/// <summary>
/// MariaDB replication on /metrics, under the same names as the engine-neutral replication metrics of the PostgreSQL
/// replicas (issue 13), so dashboards read both: role, lag, epoch, promotions.
/// </summary>
public sealed class MariaDbReplicationMetrics(IMetricFactory metrics)
{
    public Gauge Primary { get; } = metrics.CreateGauge("nodeagent_db_replication_primary", "1 while this node runs the primary and holds the writers' name.");

    public Gauge Replica { get; } = metrics.CreateGauge("nodeagent_db_replication_replica", "1 while this node runs a replica.");

    public Gauge LagSeconds { get; } = metrics.CreateGauge("nodeagent_db_replication_lag_seconds", "Replica: replay lag in seconds (0 when caught up).");

    public Gauge Epoch { get; } = metrics.CreateGauge("nodeagent_db_replication_epoch", "Fencing epoch of the writers' name: held (primary) or last seen.");

    public Gauge Streaming { get; } = metrics.CreateGauge("nodeagent_db_replication_streaming", "Replica: 1 while both replica threads run (MariaDB).");

    public Counter Fenced { get; } = metrics.CreateCounter("nodeagent_db_replication_fenced_total", "Times this node stopped its primary because it may not take writes.");
}
