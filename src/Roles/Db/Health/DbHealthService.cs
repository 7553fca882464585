using System.Diagnostics;
using Microsoft.Extensions.Logging;
using NodeAgent.Lifecycle;
using NodeAgent.Registry;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Status;
using Prometheus;

namespace NodeAgent.Roles.Db.Health;

/// <summary>
/// The db health loop: every <c>db.health_interval</c>, connect and <c>SELECT 1</c> within <c>db.health_timeout</c>
/// (readiness check <c>db</c>), and when the engine has a WAL archiver (PostgreSQL: <c>pg_stat_archiver</c>) read its
/// state (readiness check <c>db-archiver</c>: not ready while the latest archive attempt failed). Both are on /healthz and
/// /metrics. The database's answer is also the node's health in the registry (<c>healthy</c>/<c>unhealthy</c>), as a web
/// node's checks are. A database that does not answer is a finding, not a failed round; a round fails only when the
/// archiver cannot be read, and is retried at the next interval like any other.
/// </summary>
public sealed partial class DbHealthService : AgentLoop
{
    public const string CheckName = "db";
    public const string ArchiverCheckName = "db-archiver";

    private readonly IDbPing _ping;
    private readonly IWalArchiverProbe? _archiver;
    private readonly DbSection _config;
    private readonly ReadinessState _readiness;
    private readonly ILogger<DbHealthService> _logger;
    private readonly Gauge _up;
    private readonly Gauge _latency;
    private readonly Gauge _archived;
    private readonly Gauge _failed;
    private readonly Gauge _failing;
    private readonly Gauge _lastArchived;
    private readonly NodeStatusBoard? _board;
    private bool? _wasUp;
    private bool _archiverFailing;
    private readonly NodeAgent.Notifications.INotifier? _notifier;

    public DbHealthService(IDbPing ping, DbSection config, ReadinessState readiness, IMetricFactory metrics, TimeProvider time, ILogger<DbHealthService> logger,
        IWalArchiverProbe? archiver = null, NodeStatusBoard? board = null, NodeAgent.Notifications.INotifier? notifier = null)
        : base(time, logger)
    {
        _notifier = notifier;
        _board = board;
        _ping = ping;
        _archiver = archiver;
        _config = config;
        _readiness = readiness;
        _logger = logger;
        _up = metrics.CreateGauge("nodeagent_db_up", "1 when the database answered SELECT 1 in time.");
        _latency = metrics.CreateGauge("nodeagent_db_ping_seconds", "How long connect + SELECT 1 took.");
        _archived = metrics.CreateGauge("nodeagent_pg_archiver_archived_count", "pg_stat_archiver.archived_count.");
        _failed = metrics.CreateGauge("nodeagent_pg_archiver_failed_count", "pg_stat_archiver.failed_count.");
        _failing = metrics.CreateGauge("nodeagent_pg_archiver_failing", "1 while the latest archive_command attempt failed.");
        _lastArchived = metrics.CreateGauge("nodeagent_pg_archiver_last_archived_timestamp_seconds", "pg_stat_archiver.last_archived_time, Unix time.");
    }

    public override string LoopName => "db health";

    protected override TimeSpan Interval => _config.HealthInterval;

    /// <summary>The first check runs at once: /healthz shows the database's state from the start.</summary>
    protected override TimeSpan InitialDelay => TimeSpan.Zero;

    /// <summary>A round that could not read the archiver is retried at the next interval, like any other.</summary>
    protected override TimeSpan RetryFloor => Interval;

    public override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_config.HealthTimeout);
        var clock = Stopwatch.StartNew();
        try
        {
            await _ping.PingAsync(timeout.Token);
            _latency.Set(clock.Elapsed.TotalSeconds);
            _up.Set(1);
            _readiness.Set(CheckName, true, $"{_ping.Engine} answered in {clock.Elapsed.TotalMilliseconds:0} ms");
            _board?.SetHealth(NodeHealth.Healthy);
            if (_wasUp == false)
            {
                LogRecovered(_logger, _ping.Engine);
            }

            _wasUp = true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _up.Set(0);
            var why = timeout.IsCancellationRequested ? $"no answer within {_config.HealthTimeout.TotalSeconds:0.#} s" : ex.Message;
            _readiness.Set(CheckName, false, $"{_ping.Engine}: {why}");
            _board?.SetHealth(NodeHealth.Unhealthy);
            if (_wasUp != false)
            {
                LogDown(_logger, _ping.Engine, ex);
            }

            _wasUp = false;
            return;
        }

        if (_archiver is not null)
        {
            var status = await _archiver.ReadAsync(timeout.Token);
            _archived.Set(status.ArchivedCount);
            _failed.Set(status.FailedCount);
            _failing.Set(status.Failing ? 1 : 0);
            if (status.LastArchivedTime is { } at)
            {
                _lastArchived.Set(at.ToUnixTimeMilliseconds() / 1000.0);
            }

            var detail = status.ArchiveMode == "off" ? "archive_mode is off: no WAL is archived"
                : status.Failing ? $"archive_command failing since {status.LastFailedTime:u} on {status.LastFailedWal} ({status.FailedCount} failures)"
                : $"{status.ArchivedCount} archived, last {status.LastArchivedWal ?? "none yet"}";
            _readiness.Set(ArchiverCheckName, !status.Failing && status.ArchiveMode != "off", detail);
            if (status.Failing && !_archiverFailing)
            {
                _notifier?.Publish(_notifier.Create(NodeAgent.Notifications.NotificationEventTypes.WalArchivingStuck, _ping.Engine, $"{_ping.Engine}: {detail}",
                    new System.Text.Json.Nodes.JsonObject { ["engine"] = _ping.Engine, ["failed_wal"] = status.LastFailedWal, ["failures"] = status.FailedCount }));
            }

            _archiverFailing = status.Failing;
        }
    }

    /// <summary>The archiver could not be read: <c>db-archiver</c> says why, and every such round is logged.</summary>
    protected override void OnRoundFailed(Exception exception, TimeSpan retryIn)
    {
        _readiness.Set(ArchiverCheckName, false, $"cannot read pg_stat_archiver: {exception.Message}");
        LogArchiverFailed(_logger, exception);
    }

    [LoggerMessage(EventId = 6300, Level = LogLevel.Warning, Message = "{Engine} health check failing")]
    private static partial void LogDown(ILogger logger, string engine, Exception exception);

    [LoggerMessage(EventId = 6301, Level = LogLevel.Information, Message = "{Engine} answers again")]
    private static partial void LogRecovered(ILogger logger, string engine);

    [LoggerMessage(EventId = 6302, Level = LogLevel.Warning, Message = "Reading pg_stat_archiver failed")]
    private static partial void LogArchiverFailed(ILogger logger, Exception exception);
}
