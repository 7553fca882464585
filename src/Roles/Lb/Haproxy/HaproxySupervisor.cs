using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Lifecycle;
using NodeAgent.Registry;
using NodeAgent.Status;

namespace NodeAgent.Roles.Lb.Haproxy;

/// <summary>
/// Watches the HAProxy master: if it exits while the agent runs, the node is marked unhealthy and not ready, and
/// HAProxy is started again (with backoff) from the config and server-state file, so its backends come back as they
/// were. On a graceful stop of the agent HAProxy stops softly (finishing its connections) after the node drained.
/// Event-driven (it waits for the master to exit), so not an <see cref="AgentLoop"/>: restarts back off through
/// <see cref="LoopBackoff"/>, reset by a restart that succeeded, and every failure is logged with its exception.
/// </summary>
public sealed partial class HaproxySupervisor(
    HaproxyProcess process,
    HaproxyConfigFiles files,
    NodeStatusBoard board,
    ReadinessState readiness,
    AgentConfig config,
    ILogger<HaproxySupervisor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = new LoopBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        while (!stoppingToken.IsCancellationRequested)
        {
            if (process.Exited is not { } exited)
            {
                return;
            }

            try
            {
                await exited.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Any other end of the run (a failed or hard-stopped run included) is an exit: logged, then restarted.
                LogExitedWithError(logger, ex);
            }

            readiness.Set(StartHaproxyTask.ReadinessCheck, false, "HAProxy exited; restarting");
            board.SetHealth(NodeHealth.Unhealthy);
            board.SetBalancer(new BalancerView { Process = "stopped" });
            while (!stoppingToken.IsCancellationRequested)
            {
                var delay = backoff.NextDelay();
                LogRestarting(logger, delay.TotalSeconds);
                try
                {
                    await Task.Delay(delay, stoppingToken);
                    files.Write(files.Membership);
                    files.EnsureStateFile();
                    await process.StartAsync(stoppingToken);
                    readiness.Set(StartHaproxyTask.ReadinessCheck, true, $"master {process.MasterPid} running (restarted)");
                    board.SetHealth(NodeHealth.Healthy);
                    backoff.Reset();
                    break;
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    LogRestartFailed(logger, ex);
                }
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await process.StopAsync(config.Node.ShutdownTimeout / 3, cancellationToken);
    }

    [LoggerMessage(EventId = 4150, Level = LogLevel.Error, Message = "HAProxy exited unexpectedly; restarting in {DelaySeconds:0.0} s from the written config and server state")]
    private static partial void LogRestarting(ILogger logger, double delaySeconds);

    [LoggerMessage(EventId = 4151, Level = LogLevel.Error, Message = "Restarting HAProxy failed")]
    private static partial void LogRestartFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4152, Level = LogLevel.Error, Message = "HAProxy run ended with an error")]
    private static partial void LogExitedWithError(ILogger logger, Exception exception);
}
