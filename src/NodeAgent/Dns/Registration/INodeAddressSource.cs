using System.Net;

namespace NodeAgent.Dns.Registration;

/// <summary>The address this node registers in DNS. Read every check interval, so a changed address is re-registered.</summary>
public interface INodeAddressSource
{
    ValueTask<IPAddress> GetAsync(CancellationToken cancellationToken);
}
