using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Hosting;
using NodeAgent.Messaging;
using NodeAgent.Registry;

namespace NodeAgent.Roles.Web.Membership;

/// <summary>
/// On a web node: an lb node's <c>removed</c> answer to this node's drain. The answer counts only for the drain in
/// progress, named by its id and start time (<see cref="DrainInfo"/>): an answer that arrives when the node is not
/// draining, or that names another drain (an earlier one, a forged one), is ignored and logged, so it can never cut a
/// later drain short.
/// </summary>
public sealed partial class MembershipAckHandler(
    NodeIdentity identity,
    RoleCatalog roles,
    DrainAcknowledgements acknowledgements,
    NodeStatusBoard board,
    ILogger<MembershipAckHandler> logger) : IMessageHandler
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

        var drain = board.Drain;
        if (drain is null)
        {
            LogIgnored(logger, membership!.By!, "this node is not draining");
            return Task.FromResult(MessageOutcome.Completed);
        }

        if (!drain.Matches(membership!.DrainId, membership.DrainStartedAt))
        {
            LogIgnored(logger, membership.By!, membership.DrainId is null
                ? $"it names no drain; the drain in progress is {drain.Id}"
                : $"it answers drain {membership.DrainId}, not the drain in progress {drain.Id}");
            return Task.FromResult(MessageOutcome.Completed);
        }

        acknowledgements.Acknowledge(membership.By!);
        return Task.FromResult(MessageOutcome.Completed);
    }

    [LoggerMessage(EventId = 4054, Level = LogLevel.Warning, Message = "Membership: ignored a 'removed' answer from lb node {LbNode}: {Reason}")]
    private static partial void LogIgnored(ILogger logger, string lbNode, string reason);
}
