using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Messaging;
using NodeAgent.Roles.Web.Checkout;
using NodeAgent.Roles.Web.Configuration;

namespace NodeAgent.Roles.Web.Deploy;

/// <summary>
/// Handles <c>deploy</c> messages: checks the body strictly, then reconciles the named app against S3. A bad body,
/// an app this node does not serve, a malformed revision and a revision that does not exist are rejected (never
/// executed, left for the dead-letter queue); success and reported permanent failures delete the message; transient
/// failures leave it for a retry.
/// </summary>
public sealed partial class DeployMessageHandler(WebSection web, Reconciler reconciler, TimeProvider time, ILogger<DeployMessageHandler> logger)
    : IMessageHandler
{
    public string MessageType => DeployMessage.Type;

    public async Task<MessageOutcome> HandleAsync(MessageEnvelope message, QueueMessage raw, CancellationToken cancellationToken)
    {
        var (deploy, error) = DeployMessage.Parse(message.Body);
        if (deploy is null)
        {
            return MessageOutcome.Rejected(error!);
        }

        var app = web.Apps.FirstOrDefault(a => a.Name == deploy.App);
        if (app is null)
        {
            return MessageOutcome.Rejected($"app '{deploy.App}' is not configured on this node");
        }

        if (deploy.Revision is { } revision && RevisionSyntax.Check(app.Repository.Kind, revision) is { } bad)
        {
            return MessageOutcome.Rejected($"revision '{revision}': {bad}");
        }

        var queuedMs = Math.Max(0, (time.GetUtcNow() - message.SentAt).TotalMilliseconds);
        LogReceived(logger, deploy.App, deploy.Sequence, deploy.Revision ?? "(default ref)", raw.MessageId, queuedMs);
        var outcome = await reconciler.ReconcileAsync(app, "message", deploy.Sequence, cancellationToken);
        return outcome.Kind switch
        {
            DeployOutcomeKind.Deployed or DeployOutcomeKind.Unchanged or DeployOutcomeKind.UpToDate
                or DeployOutcomeKind.Waiting or DeployOutcomeKind.Reverted => MessageOutcome.Completed,
            DeployOutcomeKind.Rejected => MessageOutcome.Rejected(outcome.Reason ?? "rejected"),
            DeployOutcomeKind.Failed or DeployOutcomeKind.RolledBack => MessageOutcome.FailedPermanently(outcome.Reason ?? "failed"),
            _ => MessageOutcome.Retry(outcome.Reason ?? outcome.Kind.ToString()),
        };
    }

    [LoggerMessage(EventId = 3060, Level = LogLevel.Information, Message = "Deploy message {MessageId}: app {App} sequence {Sequence} ({Revision}), sent {QueuedMs:0} ms ago (by the sender's clock)")]
    private static partial void LogReceived(ILogger logger, string app, long sequence, string revision, string messageId, double queuedMs);
}
