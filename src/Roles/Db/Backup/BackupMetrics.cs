using Prometheus;

namespace NodeAgent.Roles.Db.Backup;

/// <summary>Backup figures on /metrics: when the last full backup finished, how long and big it was, and failures.</summary>
public sealed class BackupMetrics
{
    private readonly Gauge _lastSuccess;
    private readonly Gauge _age;
    private readonly Gauge _duration;
    private readonly Gauge _stored;
    private readonly Counter _failures;
    private readonly Counter _binlogs;
    private readonly TimeProvider _time;
    private DateTimeOffset? _last;

    public BackupMetrics(IMetricFactory metrics, CollectorRegistry registry, TimeProvider time)
    {
        _time = time;
        _lastSuccess = metrics.CreateGauge("nodeagent_db_backup_last_success_timestamp_seconds", "When the newest complete full backup finished, Unix time.");
        _age = metrics.CreateGauge("nodeagent_db_backup_age_seconds", "Seconds since the newest complete full backup finished (-1: none yet).");
        _duration = metrics.CreateGauge("nodeagent_db_backup_duration_seconds", "How long the last full backup took.");
        _stored = metrics.CreateGauge("nodeagent_db_backup_stored_bytes", "Bytes stored in S3 by the last full backup.");
        _failures = metrics.CreateCounter("nodeagent_db_backup_failures_total", "Full backups that failed.");
        _binlogs = metrics.CreateCounter("nodeagent_db_binlogs_shipped_total", "Closed MariaDB/MySQL binary logs shipped to S3.");
        _age.Set(-1);
        registry.AddBeforeCollectCallback(() => _age.Set(_last is { } last ? (_time.GetUtcNow() - last).TotalSeconds : -1));
    }

    public void Last(DateTimeOffset finished)
    {
        _last = finished;
        _lastSuccess.Set(finished.ToUnixTimeMilliseconds() / 1000.0);
    }

    public void Succeeded(BackupRun run)
    {
        Last(run.Finished);
        _duration.Set(run.Duration.TotalSeconds);
        _stored.Set(run.StoredBytes);
    }

    public void Failed() => _failures.Inc();

    public void Shipped(int binlogs) => _binlogs.Inc(binlogs);
}
