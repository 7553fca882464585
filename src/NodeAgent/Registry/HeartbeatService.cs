using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
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
    ILogger<HeartbeatService> logger) : AgentLoop(time, logger), IHostedLifecycleService
{
    public override string LoopName => "registry heartbeat";

    protected override TimeSpan Interval => config.Registry.HeartbeatInterval;

    /// <summary>A burst of board changes (health, ports, apps) becomes one write.</summary>
    protected override TimeSpan WakeDebounce => TimeSpan.FromMilliseconds(50);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        board.Changed += Wake;
        return base.StartAsync(cancellationToken);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs before any hosted service stops: the node drains while everything still serves.</summary>
    public Task StoppingAsync(CancellationToken cancellationToken) => drain.RunAsync(cancellationToken);

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        board.Changed -= Wake;
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

    public override Task RunOnceAsync(CancellationToken cancellationToken) => registration.PublishAsync(cancellationToken);

    protected override void OnRoundFailed(Exception exception, TimeSpan retryIn) => LogHeartbeatFailed(logger, retryIn.TotalSeconds, exception);

    [LoggerMessage(EventId = 1610, Level = LogLevel.Error, Message = "Registry heartbeat failed; retrying in {DelaySeconds:0.0} s")]
    private static partial void LogHeartbeatFailed(ILogger logger, double delaySeconds, Exception exception);

    [LoggerMessage(EventId = 1611, Level = LogLevel.Error, Message = "Could not deregister from the node registry on stop; the entry will go stale after its TTL")]
    private static partial void LogDeregisterFailed(ILogger logger, Exception exception);
}
