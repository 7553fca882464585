using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Messaging;
using NodeAgent.Roles.Lb.Haproxy;
using NodeAgent.Roles.Web.Membership;

namespace NodeAgent.Roles.Lb.Membership;

/// <summary>
/// Tells each draining web node that this lb no longer sends it anything (<c>membership</c> <c>removed</c>) — once
/// none of its servers runs or is still leaving here. The answer names the drain (id and start time, from the node's
/// registry record), and the node counts it only for that drain. The node waits for these answers before it stops its
/// web server; each drain is answered once.
/// </summary>
public sealed class DrainAcknowledger(
    AgentConfig config,
    NodeIdentity identity,
    WebNodeRecords nodes,
    MessagePublisher publisher,
    ILogger<DrainAcknowledger> logger)
{
    /// <summary>Answers the draining nodes that are out of <paramref name="running"/> and not <paramref name="leaving"/>. The caller holds the gate.</summary>
    public async Task AcknowledgeAsync(IReadOnlyList<ServerState> running, IReadOnlySet<ServerKey> leaving, CancellationToken cancellationToken)
    {
        foreach (var record in nodes.AwaitingAnswer())
        {
            var present = running.Any(s => s.Key?.NodeId == record.NodeId) || leaving.Any(k => k.NodeId == record.NodeId);
            if (present)
            {
                continue;
            }

            var body = new MembershipMessage
            {
                Cluster = config.Cluster,
                Role = record.Role,
                NodeId = record.NodeId,
                Event = MembershipMessage.Removed,
                By = identity.NodeId,
                DrainId = record.Drain?.Id,
                DrainStartedAt = record.Drain?.StartedAt,
            }.Serialize();
            await publisher.SendAsync(new Uri(record.QueueUrl!), MembershipMessage.Type, body, cancellationToken);
            nodes.Answered(record.NodeId);
            MembershipLog.Acknowledged(logger, record.NodeId);
        }
    }
}
