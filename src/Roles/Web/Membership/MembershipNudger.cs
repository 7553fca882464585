using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Messaging;
using NodeAgent.Registry;

namespace NodeAgent.Roles.Web.Membership;

/// <summary>
/// Sends this node's <c>membership</c> events to the queue of every live lb node in the registry, so balancers act at
/// once instead of at their next listing. Costs one registry listing of the lb role plus one SQS send per lb node.
/// </summary>
public sealed partial class MembershipNudger(
    INodeRegistry registry,
    MessagePublisher publisher,
    NodeIdentity identity,
    ILogger<MembershipNudger> logger)
{
    /// <summary>Sends <paramref name="membershipEvent"/> to the lb nodes live in the registry now; returns those it reached.</summary>
    public async Task<IReadOnlyList<string>> NotifyLbNodesAsync(string membershipEvent, CancellationToken cancellationToken)
        => await NotifyAsync(await FindLbNodesAsync(cancellationToken), membershipEvent, cancellationToken);

    /// <summary>The live lb nodes with a queue, from the registry (one LIST, plus GETs of changed records).</summary>
    public async Task<IReadOnlyList<NodeRecord>> FindLbNodesAsync(CancellationToken cancellationToken)
        => (await registry.ListAsync(identity.Cluster, Lb.LbRole.RoleName, cancellationToken)).Live
            .Select(e => e.Record)
            .Where(r => r.QueueUrl is not null)
            .ToList();

    /// <summary>Sends <paramref name="membershipEvent"/> to <paramref name="lbNodes"/>; returns those it reached.</summary>
    public async Task<IReadOnlyList<string>> NotifyAsync(IReadOnlyList<NodeRecord> lbNodes, string membershipEvent, CancellationToken cancellationToken)
    {
        var body = new MembershipMessage
        {
            Cluster = identity.Cluster,
            Role = identity.Role,
            NodeId = identity.NodeId,
            Event = membershipEvent,
        }.Serialize();
        var reached = new List<string>();
        foreach (var lb in lbNodes)
        {
            try
            {
                await publisher.SendAsync(new Uri(lb.QueueUrl!), MembershipMessage.Type, body, cancellationToken);
                reached.Add(lb.NodeId);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSendFailed(logger, membershipEvent, lb.NodeId, ex);
            }
        }

        LogNudged(logger, membershipEvent, reached.Count);
        return reached;
    }

    [LoggerMessage(EventId = 4050, Level = LogLevel.Information, Message = "Membership: told {Count} lb node(s) '{Event}'")]
    private static partial void LogNudged(ILogger logger, string @event, int count);

    [LoggerMessage(EventId = 4051, Level = LogLevel.Warning, Message = "Membership: could not send '{Event}' to lb node {LbNode}; it will notice at its next listing")]
    private static partial void LogSendFailed(ILogger logger, string @event, string lbNode, Exception exception);
}
