using Microsoft.Extensions.Logging;
using NodeAgent.Lifecycle;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Status;

namespace NodeAgent.Roles.Db.Backup;

/// <summary>
/// The db role's backup schedule: a full backup whenever the newest complete one is older than
/// <c>db.backup.full_every</c> (so the first one is taken soon after the agent starts), then retention. Reports
/// <c>db-backup</c> on /healthz (not ready once the newest backup is older than twice the interval, or the last
/// attempt failed after that) and the backup age on /metrics. Whether one is due is checked every tenth of the interval
/// (1 s to 1 min); a failed attempt is retried after 30 s, backing off to 30 min. A backup gate (<see cref="IBackupGate"/>)
/// may say this node is not the one to take it now (a replica).
/// </summary>
public sealed partial class BackupLoopService(
    IDatabaseBackup backup, DbSection db, BackupMetrics metrics, ReadinessState readiness, TimeProvider time, ILogger<BackupLoopService> logger,
    IEnumerable<IBackupGate>? gates = null)
    : AgentLoop(time, logger)
{
    public const string CheckName = "db-backup";
    private readonly DbBackupConfig _config = db.Backup;
    private readonly ILogger _logger = logger;
    private DateTimeOffset? _last;
    private bool _lastKnown;
    private string? _lastError;

    public override string LoopName => "db backups";

    protected override TimeSpan Interval => TimeSpan.FromSeconds(Math.Clamp(_config.FullEvery.TotalSeconds / 10, 1, 60));

    /// <summary>The first check runs at once, so a node without a backup takes one soon after it starts.</summary>
    protected override TimeSpan InitialDelay => TimeSpan.Zero;

    protected override TimeSpan RetryFloor => TimeSpan.FromSeconds(30);

    protected override TimeSpan RetryCeiling => TimeSpan.FromMinutes(30);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        readiness.Set(CheckName, true, "first backup check pending");
        return base.StartAsync(cancellationToken);
    }

    public override Task RunOnceAsync(CancellationToken cancellationToken) => TakeIfDueAsync(cancellationToken);

    /// <summary>Takes a full backup if one is due. True when a backup was taken.</summary>
    public async Task<bool> TakeIfDueAsync(CancellationToken cancellationToken)
    {
        if (!_lastKnown)
        {
            _last = await backup.LastCompleteAsync(cancellationToken);
            _lastKnown = true;
            if (_last is { } known)
            {
                metrics.Last(known);
            }
        }

        var now = Time.GetUtcNow();
        if (_last is { } last && now - last < _config.FullEvery)
        {
            Report();
            return false;
        }

        foreach (var gate in gates ?? [])
        {
            if (await gate.WhyNotAsync(cancellationToken) is { } why)
            {
                // Checked again at the next round; the node that is to take it (the primary) reports its own backup age.
                _lastKnown = false;
                readiness.Set(CheckName, true, $"not taking backups here: {why}");
                return false;
            }
        }

        try
        {
            var run = await backup.TakeFullAsync(cancellationToken);
            _last = run.Finished;
            _lastError = null;
            metrics.Succeeded(run);
            LogTaken(_logger, backup.Engine, run.Id, run.Duration.TotalSeconds, run.StoredBytes);
            await backup.RetainAsync(_config.RetainFull, cancellationToken);
            Report();
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            metrics.Failed();
            _lastError = ex.Message;
            Report();
            throw;
        }
    }

    /// <summary>Every failed attempt is logged with its exception and when the next one starts.</summary>
    protected override void OnRoundFailed(Exception exception, TimeSpan retryIn) => LogFailed(_logger, backup.Engine, retryIn.TotalSeconds, exception);

    private void Report()
    {
        var now = Time.GetUtcNow();
        var detail = _last is { } l ? $"last full backup {(now - l).TotalMinutes:0} min ago" : "no full backup yet";
        if (_lastError is not null)
        {
            detail += $"; last attempt failed: {_lastError}";
        }

        var ready = _last is { } newest ? now - newest <= _config.FullEvery * 2 : _lastError is null;
        readiness.Set(CheckName, ready, detail);
    }

    [LoggerMessage(EventId = 6100, Level = LogLevel.Information, Message = "{Engine} full backup {Id} taken in {Seconds:0.0} s, {Bytes} bytes stored")]
    private static partial void LogTaken(ILogger logger, string engine, string id, double seconds, long bytes);

    [LoggerMessage(EventId = 6101, Level = LogLevel.Error, Message = "{Engine} full backup failed; next attempt in {Seconds:0} s")]
    private static partial void LogFailed(ILogger logger, string engine, double seconds, Exception exception);
}
