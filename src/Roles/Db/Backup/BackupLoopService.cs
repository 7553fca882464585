using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.Lifecycle;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Status;

namespace NodeAgent.Roles.Db.Backup;

/// <summary>
/// The db role's backup schedule: a full backup whenever the newest complete one is older than
/// <c>db.backup.full_every</c> (so the first one is taken soon after the agent starts), then retention. Reports
/// <c>db-backup</c> on /healthz (not ready once the newest backup is older than twice the interval, or the last
/// attempt failed after that) and the backup age on /metrics.
/// </summary>
public sealed partial class BackupLoopService(
    IDatabaseBackup backup, DbSection db, BackupMetrics metrics, ReadinessState readiness, TimeProvider time, ILogger<BackupLoopService> logger)
    : BackgroundService
{
    public const string CheckName = "db-backup";
    private readonly DbBackupConfig config = db.Backup;
    private readonly LoopBackoff _backoff = new(TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(30));
    private DateTimeOffset? _last;
    private bool _lastKnown;
    private string? _lastError;

    /// <summary>Takes a full backup if one is due. True when a backup was taken.</summary>
    public async Task<bool> RunOnceAsync(CancellationToken cancellationToken)
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

        var now = time.GetUtcNow();
        if (_last is { } last && now - last < config.FullEvery)
        {
            Report();
            return false;
        }

        try
        {
            var run = await backup.TakeFullAsync(cancellationToken);
            _last = run.Finished;
            _lastError = null;
            metrics.Succeeded(run);
            LogTaken(logger, backup.Engine, run.Id, run.Duration.TotalSeconds, run.StoredBytes);
            await backup.RetainAsync(config.RetainFull, cancellationToken);
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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        readiness.Set(CheckName, true, "first backup check pending");
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan delay;
            try
            {
                await RunOnceAsync(stoppingToken);
                _backoff.Reset();
                delay = LoopBackoff.Splay(TimeSpan.FromSeconds(Math.Clamp(config.FullEvery.TotalSeconds / 10, 1, 60)));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                delay = _backoff.NextDelay();
                LogFailed(logger, backup.Engine, delay.TotalSeconds, ex);
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

    private void Report()
    {
        var now = time.GetUtcNow();
        var detail = _last is { } l ? $"last full backup {(now - l).TotalMinutes:0} min ago" : "no full backup yet";
        if (_lastError is not null)
        {
            detail += $"; last attempt failed: {_lastError}";
        }

        var ready = _last is { } newest ? now - newest <= config.FullEvery * 2 : _lastError is null;
        readiness.Set(CheckName, ready, detail);
    }

    [LoggerMessage(EventId = 6100, Level = LogLevel.Information, Message = "{Engine} full backup {Id} taken in {Seconds:0.0} s, {Bytes} bytes stored")]
    private static partial void LogTaken(ILogger logger, string engine, string id, double seconds, long bytes);

    [LoggerMessage(EventId = 6101, Level = LogLevel.Error, Message = "{Engine} full backup failed; next attempt in {Seconds:0} s")]
    private static partial void LogFailed(ILogger logger, string engine, double seconds, Exception exception);
}
