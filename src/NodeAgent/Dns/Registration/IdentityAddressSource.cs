using System.Net;
using NodeAgent.Bootstrap;

namespace NodeAgent.Dns.Registration;

/// <summary>The node's address as resolved at boot (<c>node.address</c>, else instance metadata <c>local-ipv4</c>).</summary>
public sealed class IdentityAddressSource(NodeIdentity identity) : INodeAddressSource
{
    public ValueTask<IPAddress> GetAsync(CancellationToken cancellationToken) => ValueTask.FromResult(identity.Address);
}
