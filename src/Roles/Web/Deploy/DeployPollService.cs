using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Lifecycle;
using NodeAgent.Roles.Web.Configuration;

namespace NodeAgent.Roles.Web.Deploy;

/// <summary>
/// The safety poll: every <c>web.poll_interval</c> (splayed), reconcile every app against S3, so a lost message delays
/// a node by at most one interval. Costs one GET per app per interval when nothing changed.
/// </summary>
public sealed partial class DeployPollService(Reconciler reconciler, WebSection web, TimeProvider time, ILogger<DeployPollService> logger)
    : AgentLoop(time, logger)
{
    public override string LoopName => "deploy safety poll";

    protected override TimeSpan Interval => web.PollInterval;

    /// <summary>One poll of every app; throws when one of them ended in a transient failure, so the loop backs off.</summary>
    public override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        if (!await PollOnceAsync(cancellationToken))
        {
            throw new DeployPollIncompleteException();
        }
    }

    /// <summary>One poll of every app; true when none ended in a transient failure.</summary>
    public async Task<bool> PollOnceAsync(CancellationToken cancellationToken)
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

    /// <summary>A transient outcome was already logged by the reconcile; only unexpected failures are logged here.</summary>
    protected override void OnRoundFailed(Exception exception, TimeSpan retryIn)
    {
        if (exception is not DeployPollIncompleteException)
        {
            LogPollFailed(logger, retryIn.TotalSeconds, exception);
        }
    }

    [LoggerMessage(EventId = 3080, Level = LogLevel.Error, Message = "Deploy safety poll failed; retrying in {DelaySeconds:0.0} s")]
    private static partial void LogPollFailed(ILogger logger, double delaySeconds, Exception exception);
}
