using System.Net;
using NodeAgent.Dns.Failover;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Engines;

namespace NodeAgent.Roles.Db.Replication;

/// <summary>
/// Probes the primary holding the writers' name: does its database server accept connections (at the address and port
/// its registry record gives, else the address the name points at and this node's port)? The database, not the
/// primary's agent, is what counts: an agent that died next to a working primary is no reason to promote another
/// node (nothing could fence the old one), while a dead or unreachable server is. Each probe times out after half the
/// interval.
/// </summary>
public sealed class DbHolderProbe(IReplicationEngine engine, PeerDirectory directory, DbSection db) : IHolderProbe
{
    public TimeSpan Timeout { get; } = TimeSpan.FromMilliseconds(Math.Clamp(db.Replication.Interval.TotalMilliseconds / 2, 100, 5000));

    public async Task<HolderProbeResult> ProbeAsync(string holderNodeId, IPAddress? holderAddress, CancellationToken cancellationToken)
    {
        var (endpoint, problem) = await directory.EndpointAsync(holderNodeId, cancellationToken);
        endpoint ??= holderAddress is not null ? new PeerEndpoint(holderNodeId, holderAddress, engine.Port) : null;
        if (endpoint is null)
        {
            return new HolderProbeResult(false, $"{holderNodeId} has no address: {problem}");
        }

        var why = await engine.ProbeAsync(endpoint, Timeout, cancellationToken);
        return new HolderProbeResult(why is null, why ?? $"{endpoint} accepts connections");
    }
}
