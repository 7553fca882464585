using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Lifecycle;

namespace NodeAgent.Registry;

/// <summary>
/// Keeps this node's registry entry fresh: rewrites it at the heartbeat interval (with splay), and within a moment of
/// any change on the status board. On a graceful stop it first drains (<see cref="NodeDrain"/>, in
/// <see cref="StoppingAsync"/>, before any service stops), and removes the entry once the loops have stopped.
/// </summary>
public sealed partial class HeartbeatService(
    NodeRegistration registration,
    NodeStatusBoard board,
    NodeDrain drain,
    AgentConfig config,
    TimeProvider time,
    ILogger<HeartbeatService> logger) : BackgroundService, IHostedLifecycleService
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(50);
    private readonly SemaphoreSlim _changed = new(0, 1);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        board.Changed += OnChanged;
        return base.StartAsync(cancellationToken);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs before any hosted service stops: the node drains while everything still serves.</summary>
    public Task StoppingAsync(CancellationToken cancellationToken) => drain.RunAsync(cancellationToken);

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        board.Changed -= OnChanged;
        await base.StopAsync(cancellationToken);
        if (!registration.IsRegistered)
        {
            return;
        }

        try
        {
            if (!board.IsDraining)
            {
                board.BeginDrain();
                await registration.PublishAsync(cancellationToken);
            }

            await registration.DeregisterAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogDeregisterFailed(logger, ex);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = new LoopBackoff(TimeSpan.FromSeconds(1), config.Registry.HeartbeatInterval);
        var delay = LoopBackoff.Splay(config.Registry.HeartbeatInterval);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await _changed.WaitAsync(delay, stoppingToken))
                {
                    await Task.Delay(Debounce, time, stoppingToken);
                }

                await RunOnceAsync(stoppingToken);
                backoff.Reset();
                delay = LoopBackoff.Splay(config.Registry.HeartbeatInterval);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                delay = backoff.NextDelay();
                LogHeartbeatFailed(logger, delay.TotalSeconds, ex);
            }
        }
    }

    public Task RunOnceAsync(CancellationToken cancellationToken) => registration.PublishAsync(cancellationToken);

    private void OnChanged()
    {
        if (_changed.CurrentCount == 0)
        {
            try
            {
                _changed.Release();
            }
            catch (SemaphoreFullException)
            {
                // A wake-up is already pending.
            }
        }
    }

    public override void Dispose()
    {
        _changed.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 1610, Level = LogLevel.Error, Message = "Registry heartbeat failed; retrying in {DelaySeconds:0.0} s")]
    private static partial void LogHeartbeatFailed(ILogger logger, double delaySeconds, Exception exception);

    [LoggerMessage(EventId = 1611, Level = LogLevel.Error, Message = "Could not deregister from the node registry on stop; the entry will go stale after its TTL")]
    private static partial void LogDeregisterFailed(ILogger logger, Exception exception);
}
