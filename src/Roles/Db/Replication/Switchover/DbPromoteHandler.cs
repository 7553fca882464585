using NodeAgent.Configuration;
using NodeAgent.Messaging;

namespace NodeAgent.Roles.Db.Replication.Switchover;

/// <summary>
/// <c>db-promote</c> on a replica's queue: run the planned switchover to this node (<see cref="SwitchoverRunner"/>). A
/// message for another cluster or node is rejected; the outcome, refusals included, is in the request's record, so the
/// message is then done.
/// </summary>
public sealed class DbPromoteHandler(SwitchoverRunner runner, AgentConfig config, NodeAgent.Bootstrap.NodeIdentity identity) : IMessageHandler
{
    public string MessageType => DbPromoteMessage.Type;

    public async Task<MessageOutcome> HandleAsync(MessageEnvelope message, QueueMessage raw, CancellationToken cancellationToken)
    {
        var (request, error) = DbPromoteMessage.Parse(message.Body);
        if (request is null)
        {
            return MessageOutcome.Rejected(error!);
        }

        if (request.Cluster != config.Cluster || request.Target != identity.NodeId)
        {
            return MessageOutcome.Rejected($"db-promote for {request.Target} in cluster {request.Cluster} reached {identity.NodeId} in {config.Cluster}");
        }

        await runner.RunAsync(request, cancellationToken);
        return MessageOutcome.Completed;
    }
}
