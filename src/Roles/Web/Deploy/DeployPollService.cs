using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Lifecycle;
using NodeAgent.Roles.Web.Configuration;

namespace NodeAgent.Roles.Web.Deploy;

/// <summary>
/// The safety poll: every <c>web.poll_interval</c> (splayed), reconcile every app against S3, so a lost message delays
/// a node by at most one interval. Costs one GET per app per interval when nothing changed.
/// </summary>
public sealed partial class DeployPollService(Reconciler reconciler, WebSection web, TimeProvider time, ILogger<DeployPollService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = web.PollInterval;
        var backoff = new LoopBackoff(TimeSpan.FromSeconds(1), interval);
        while (!stoppingToken.IsCancellationRequested)
        {
            var delay = LoopBackoff.Splay(interval);
            try
            {
                await Task.Delay(delay, time, stoppingToken);
                if (await RunOnceAsync(stoppingToken))
                {
                    backoff.Reset();
                }
                else
                {
                    await Task.Delay(backoff.NextDelay(), time, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                var wait = backoff.NextDelay();
                LogPollFailed(logger, wait.TotalSeconds, ex);
                await Task.Delay(wait, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>One poll of every app; true when none ended in a transient failure.</summary>
    public async Task<bool> RunOnceAsync(CancellationToken cancellationToken)
    {
        var ok = true;
        foreach (var app in reconciler.Apps)
        {
            var outcome = await reconciler.ReconcileAsync(app, "poll", null, cancellationToken);
            ok &= outcome.Kind != DeployOutcomeKind.Transient;
            reconciler.PublishToBoard(app);
        }

        return ok;
    }

    [LoggerMessage(EventId = 3080, Level = LogLevel.Error, Message = "Deploy safety poll failed; retrying in {DelaySeconds:0.0} s")]
    private static partial void LogPollFailed(ILogger logger, double delaySeconds, Exception exception);
}
