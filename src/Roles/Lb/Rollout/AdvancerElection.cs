using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Dns.Failover;
using NodeAgent.Registry;
using NodeAgent.Roles.Lb.Configuration;

namespace NodeAgent.Roles.Lb.Rollout;

/// <summary>
/// Whether this lb advances rollouts now, and under which fencing epoch. With the lb pair's failover (the default
/// with a <c>dns:</c> section): only the active node, and only while the lease it last confirmed has at least a
/// second to run; the epoch is the lease's, which grows with every takeover. Without failover: the live lb with the
/// lowest node id, epoch 0 (no fencing: run a pair with failover for that).
/// </summary>
public sealed class AdvancerElection(AgentConfig config, LbSection lb, NodeIdentity identity, INodeRegistry registry, TimeProvider time, FailoverState? failover = null)
{
    private static readonly TimeSpan LeaseMargin = TimeSpan.FromSeconds(1);

    public bool Fenced => failover is not null && config.Dns is not null && lb.Failover.Enabled;

    /// <summary>The epoch to write progress under, or null when this node must not advance rollouts now.</summary>
    public async Task<long?> EpochAsync(CancellationToken cancellationToken)
    {
        if (Fenced)
        {
            var current = failover!.Current;
            return current.Role == FailoverRole.Active && current.LeaseExpires is { } until && until - time.GetUtcNow() > LeaseMargin ? current.Epoch : null;
        }

        var lbs = (await registry.ListAsync(config.Cluster, LbRole.RoleName, cancellationToken)).Live.Select(e => e.Record.NodeId).Append(identity.NodeId);
        return lbs.Min(StringComparer.Ordinal) == identity.NodeId ? 0 : null;
    }
}
