using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.Lifecycle;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Configuration;

namespace NodeAgent.Roles.Db.MariaDb;

/// <summary>Ships closed binlogs every <c>db.backup.binlog_interval</c>.</summary>
public sealed partial class BinlogShipService(MariaDbBackups backups, DbSection db, BackupMetrics metrics, TimeProvider time, ILogger<BinlogShipService> logger)
    : BackgroundService
{
    private readonly BinlogShipper _shipper = backups.Shipper();
    private readonly TimeSpan _interval = db.Backup.BinlogInterval;
    private readonly LoopBackoff _backoff = new(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10));

    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var shipped = await _shipper.ShipAsync(cancellationToken);
        metrics.Shipped(shipped.Count);
        return shipped.Count;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan delay;
            try
            {
                await RunOnceAsync(stoppingToken);
                _backoff.Reset();
                delay = LoopBackoff.Splay(_interval);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                delay = _backoff.NextDelay();
                LogFailed(logger, delay.TotalSeconds, ex);
            }

            try
            {
                await Task.Delay(delay, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 6240, Level = LogLevel.Error, Message = "Shipping binlogs failed; next attempt in {Seconds:0} s")]
    private static partial void LogFailed(ILogger logger, double seconds, Exception exception);
}
