using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Dns.Failover;
using NodeAgent.Hosting;
using NodeAgent.Lifecycle;
using NodeAgent.Roles.Lb.Configuration;

namespace NodeAgent.Roles.Lb.Failover;

/// <summary>
/// Runs a failover round every <c>lb.failover.interval</c>. A failed round is retried sooner (jittered backoff, never
/// later than the interval). On a graceful stop an active node releases its lease so the peer takes over at once.
/// </summary>
public sealed partial class FailoverService(
    FailoverCoordinator coordinator,
    LbSection lb,
    TimeProvider time,
    ILogger<FailoverService> logger) : BackgroundService
{
    private readonly TimeSpan _interval = lb.Failover.Interval;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = new LoopBackoff(TimeSpan.FromMilliseconds(250), _interval);
        var delay = _interval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(delay, time, stoppingToken);
                await coordinator.RunOnceAsync(stoppingToken);
                backoff.Reset();
                delay = LoopBackoff.Splay(_interval, 0.05);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                coordinator.OnRoundFailed(ex);
                delay = backoff.NextDelay();
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await coordinator.ReleaseAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogReleaseFailed(logger, coordinator.Name, ex);
        }
    }

    [LoggerMessage(EventId = 5031, Level = LogLevel.Error, Message = "Failover: could not release {Name} on stop; the peer takes over when the lease expires or its probes fail")]
    private static partial void LogReleaseFailed(ILogger logger, string name, Exception exception);
}
