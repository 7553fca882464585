using Microsoft.Extensions.Logging;
using NodeAgent.Hosting;
using NodeAgent.Lifecycle;

namespace NodeAgent.Roles.Web.Deploy;

/// <summary>
/// Boot catch-up (<see cref="StartupOrder.RoleCatchUp"/>, before the web server starts and before the node reports
/// healthy): clean up what a crash left, then converge every app to its desired release. Transient failures are
/// retried a few times; the node refuses to start when an app that has a desired release ends up with no release at
/// all, and starts on its existing release (reporting the failure) otherwise.
/// </summary>
public sealed partial class DeployCatchUpTask(Reconciler reconciler, Deployer deployer, TimeProvider time, ILogger<DeployCatchUpTask> logger) : IStartupTask
{
    public const int Attempts = 5;

    public int Order => StartupOrder.RoleCatchUp;

    public string Name => "deploy catch-up";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await reconciler.CleanupAsync(cancellationToken);
        foreach (var app in reconciler.Apps)
        {
            reconciler.PublishToBoard(app);
            var backoff = new LoopBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(15));
            DeployOutcome outcome;
            var attempt = 0;
            while (true)
            {
                outcome = await reconciler.ReconcileAsync(app, Reconciler.BootTrigger, null, cancellationToken);
                if (outcome.Kind != DeployOutcomeKind.Transient || ++attempt >= Attempts)
                {
                    break;
                }

                var delay = backoff.NextDelay();
                LogRetrying(logger, app.Name, delay.TotalSeconds, outcome.Reason ?? "transient failure");
                await Task.Delay(delay, time, cancellationToken);
            }

            if (!outcome.IsSuccess)
            {
                if (deployer.Layout(app.Name).Current() is null)
                {
                    throw new InvalidOperationException($"app '{app.Name}' has no release to serve: {outcome.Kind} sequence {outcome.Sequence}: {outcome.Reason}");
                }

                LogServingOld(logger, app.Name, outcome.Kind.ToString(), outcome.Reason ?? "-");
            }
        }
    }

    [LoggerMessage(EventId = 3070, Level = LogLevel.Warning, Message = "Catch-up of app {App} failed; retrying in {DelaySeconds:0.0} s: {Reason}")]
    private static partial void LogRetrying(ILogger logger, string app, double delaySeconds, string reason);

    [LoggerMessage(EventId = 3071, Level = LogLevel.Error, Message = "Catch-up of app {App} ended {Outcome}; serving the existing release: {Reason}")]
    private static partial void LogServingOld(ILogger logger, string app, string outcome, string reason);
}
