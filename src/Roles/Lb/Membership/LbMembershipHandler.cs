using NodeAgent.Bootstrap;
using NodeAgent.Hosting;
using NodeAgent.Messaging;
using NodeAgent.Roles.Web;
using NodeAgent.Roles.Web.Membership;

namespace NodeAgent.Roles.Lb.Membership;

/// <summary>
/// On an lb node: a web node's <c>join</c>/<c>leave</c> nudge. The body is only a hint: it wakes the registry sync
/// (an immediate listing), and the (validated) registry object decides.
/// </summary>
public sealed class LbMembershipHandler(NodeIdentity identity, RoleCatalog roles, MembershipSyncLoop sync) : IMessageHandler
{
    public string MessageType => MembershipMessage.Type;

    public Task<MessageOutcome> HandleAsync(MessageEnvelope message, QueueMessage raw, CancellationToken cancellationToken)
    {
        var (body, error) = MembershipMessage.Parse(message.Body, roles.Names);
        var outcome = body switch
        {
            null => MessageOutcome.Rejected(error!),
            { Event: MembershipMessage.Removed } => MessageOutcome.Rejected("an lb node does not accept 'removed' membership events"),
            _ when body.Cluster != identity.Cluster => MessageOutcome.Rejected($"the message is for cluster '{body.Cluster}', not '{identity.Cluster}'"),
            _ when body.Role != WebRole.RoleName => MessageOutcome.Rejected($"only web nodes join lb nodes, got role '{body.Role}'"),
            _ => MessageOutcome.Completed,
        };
        if (outcome.Disposition == MessageDisposition.Completed)
        {
            sync.Wake();
        }

        return Task.FromResult(outcome);
    }
}
