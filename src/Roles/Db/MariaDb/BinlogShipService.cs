using Microsoft.Extensions.Logging;
using NodeAgent.Lifecycle;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Configuration;

namespace NodeAgent.Roles.Db.MariaDb;

/// <summary>
/// Ships closed binlogs every <c>db.backup.binlog_interval</c>, the first time at once; a failed round is retried after
/// 5 s, backing off to 10 min.
/// </summary>
public sealed partial class BinlogShipService(MariaDbBackups backups, DbSection db, BackupMetrics metrics, TimeProvider time, ILogger<BinlogShipService> logger)
    : AgentLoop(time, logger)
{
    private readonly BinlogShipper _shipper = backups.Shipper();
    private readonly TimeSpan _interval = db.Backup.BinlogInterval;
    private readonly ILogger _logger = logger;

    public override string LoopName => "binlog shipping";

    protected override TimeSpan Interval => _interval;

    protected override TimeSpan InitialDelay => TimeSpan.Zero;

    protected override TimeSpan RetryFloor => TimeSpan.FromSeconds(5);

    protected override TimeSpan RetryCeiling => TimeSpan.FromMinutes(10);

    public override Task RunOnceAsync(CancellationToken cancellationToken) => ShipOnceAsync(cancellationToken);

    /// <summary>Ships what is closed and not shipped yet. Returns how many binlogs were shipped.</summary>
    public async Task<int> ShipOnceAsync(CancellationToken cancellationToken)
    {
        var shipped = await _shipper.ShipAsync(cancellationToken);
        metrics.Shipped(shipped.Count);
        return shipped.Count;
    }

    /// <summary>Every failed round is logged with its exception and when the next one starts.</summary>
    protected override void OnRoundFailed(Exception exception, TimeSpan retryIn) => LogFailed(_logger, retryIn.TotalSeconds, exception);

    [LoggerMessage(EventId = 6240, Level = LogLevel.Error, Message = "Shipping binlogs failed; next attempt in {Seconds:0} s")]
    private static partial void LogFailed(ILogger logger, double seconds, Exception exception);
}
