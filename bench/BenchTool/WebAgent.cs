using System.Net;
using NodeAgent.Testing;

namespace NodeAgent.Bench;

/// <summary>One web node of a <see cref="WebFleet"/>: its id, address, user-data file and agent process.</summary>
public sealed record WebAgent(string NodeId, IPAddress Address, string UserData, AgentProcess Process)
{
    /// <summary>Until its /healthz says ready and names this node (not another suite's agent on the same address).</summary>
    public Task WaitReadyAsync(TimeSpan timeout) => Process.WaitReadyAsync(StatusEndpoint.Healthz(Address), timeout, NodeId);
}
