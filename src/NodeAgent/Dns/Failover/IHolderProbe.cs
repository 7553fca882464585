using System.Net;

namespace NodeAgent.Dns.Failover;

/// <summary>Checks whether the node holding the shared name still works: its agent answers and its proxy serves.</summary>
public interface IHolderProbe
{
    Task<HolderProbeResult> ProbeAsync(string holderNodeId, IPAddress? holderAddress, CancellationToken cancellationToken);
}
