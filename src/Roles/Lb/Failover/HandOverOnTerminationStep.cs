using System.Net;
using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Dns.Failover;
using NodeAgent.Instance;
using NodeAgent.Registry;

namespace NodeAgent.Roles.Lb.Failover;

/// <summary>
/// An lb node whose instance goes away gives up the shared name at once instead of letting its peer wait for failure
/// detection. If it is active, it probes its peer (the same probe the standby uses on the holder: agent
/// <c>/healthz</c> and the proxy) and, when the peer answers, hands the name straight to it in one conditional write
/// (A = the peer, lease owner = the peer, epoch + 1): clients resolving the name reach the peer from that moment. With
/// no healthy peer it only ends its lease, so whichever node claims next gets it. Either way the node never claims the
/// name again. It then keeps HAProxy serving for one DNS TTL, so clients that resolved the name just before still
/// reach it; the graceful stop after this step stops HAProxy softly (connections in flight finish).
/// </summary>
public sealed partial class HandOverOnTerminationStep(
    FailoverCoordinator coordinator,
    INodeRegistry registry,
    IHolderProbe probe,
    NodeIdentity identity,
    AgentConfig config,
    TimeProvider time,
    ILogger<HandOverOnTerminationStep> logger) : ITerminationStep
{
    public string Name => "hand the lb name over to the peer";

    public async Task RunAsync(TerminationNotice notice, CancellationToken cancellationToken)
    {
        if (coordinator.Current.Role != FailoverRole.Active)
        {
            await coordinator.HandOverAsync(null, null, cancellationToken);
            return;
        }

        var peers = (await registry.ListAsync(identity.Cluster, LbRole.RoleName, cancellationToken)).Live
            .Select(e => e.Record)
            .Where(r => r.NodeId != identity.NodeId && r.Health != NodeHealth.Draining && IPAddress.TryParse(r.Address, out _))
            .ToList();
        foreach (var peer in peers)
        {
            var address = IPAddress.Parse(peer.Address);
            var health = await probe.ProbeAsync(peer.NodeId, address, cancellationToken);
            if (!health.Healthy)
            {
                LogPeerUnhealthy(logger, peer.NodeId, health.Detail);
                continue;
            }

            if (await coordinator.HandOverAsync(peer.NodeId, address, cancellationToken))
            {
                var ttl = TimeSpan.FromSeconds(config.Dns?.Ttl ?? 0);
                LogServingOut(logger, coordinator.Name, peer.NodeId, ttl.TotalSeconds);
                await Task.Delay(ttl, time, cancellationToken);
                return;
            }
        }

        LogNoPeer(logger, coordinator.Name, peers.Count);
        await coordinator.HandOverAsync(null, null, cancellationToken);
    }

    [LoggerMessage(EventId = 7680, Level = LogLevel.Warning, Message = "Lifecycle: the peer {Peer} does not answer its probe ({Detail}); not handing the name to it")]
    private static partial void LogPeerUnhealthy(ILogger logger, string peer, string detail);

    [LoggerMessage(EventId = 7681, Level = LogLevel.Warning, Message = "Lifecycle: handed {Name} to {Peer}; serving one DNS TTL ({TtlSeconds:0} s) more for clients that resolved it before")]
    private static partial void LogServingOut(ILogger logger, string name, string peer, double ttlSeconds);

    [LoggerMessage(EventId = 7682, Level = LogLevel.Warning, Message = "Lifecycle: no healthy peer to hand {Name} to ({Peers} other lb node(s) registered); ending the lease so the next claim wins")]
    private static partial void LogNoPeer(ILogger logger, string name, int peers);
}
