using Microsoft.Extensions.Logging;
using NodeAgent.Hosting;
using NodeAgent.Lifecycle;

namespace NodeAgent.Roles.Web.Deploy;

/// <summary>
/// Closes the boot race: catch-up (500) runs before registration (800), so a publish in between lists the registry
/// without this node and never nudges it. Right after registering, the node reads the desired state once more: either
/// the publisher saw the registry entry (and sent a message) or this read sees its desired release — S3 is strongly
/// consistent, and the publisher writes desired.json before it lists the registry.
/// </summary>
public sealed partial class DeployRecheckTask(Reconciler reconciler, ILogger<DeployRecheckTask> logger) : IStartupTask
{
    public const int RecheckOrder = StartupOrder.Registration + 10;

    public int Order => RecheckOrder;

    public string Name => "deploy re-check after registration";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        foreach (var app in reconciler.Apps)
        {
            var outcome = await reconciler.ReconcileAsync(app, "after registration", null, cancellationToken);
            if (!outcome.IsSuccess)
            {
                LogLeftToPoll(logger, app.Name, outcome.Kind.ToString(), outcome.Reason ?? "-");
            }
        }
    }

    [LoggerMessage(EventId = 3072, Level = LogLevel.Warning, Message = "Re-check of app {App} after registration ended {Outcome}; the safety poll retries: {Reason}")]
    private static partial void LogLeftToPoll(ILogger logger, string app, string outcome, string reason);
}
