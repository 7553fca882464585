using NodeAgent.Bootstrap;
using NodeAgent.Hosting;
using NodeAgent.Messaging;

namespace NodeAgent.Roles.Web.Membership;

/// <summary>On a web node: an lb node's <c>removed</c> answer to this node's drain.</summary>
public sealed class MembershipAckHandler(NodeIdentity identity, RoleCatalog roles, DrainAcknowledgements acknowledgements) : IMessageHandler
{
    public string MessageType => MembershipMessage.Type;

    public Task<MessageOutcome> HandleAsync(MessageEnvelope message, QueueMessage raw, CancellationToken cancellationToken)
    {
        var (membership, error) = MembershipMessage.Parse(message.Body, roles.Names);
        var outcome = membership switch
        {
            null => MessageOutcome.Rejected(error!),
            { Event: not MembershipMessage.Removed } => MessageOutcome.Rejected($"a {identity.Role} node only accepts 'removed' membership events, got '{membership.Event}'"),
            _ when membership.Cluster != identity.Cluster || membership.NodeId != identity.NodeId
                => MessageOutcome.Rejected($"the message is about {membership.Cluster}/{membership.NodeId}, not this node"),
            _ => null,
        };
        if (outcome is not null)
        {
            return Task.FromResult(outcome);
        }

        acknowledgements.Acknowledge(membership!.By!);
        return Task.FromResult(MessageOutcome.Completed);
    }
}
