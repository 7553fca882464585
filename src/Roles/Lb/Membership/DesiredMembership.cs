using System.Net;
using NodeAgent.Configuration;
using NodeAgent.Registry;
using NodeAgent.Roles.Lb.Configuration;

namespace NodeAgent.Roles.Lb.Membership;

/// <summary>
/// Which web nodes should serve which app, from a registry listing: live (not stale), <c>healthy</c> entries whose
/// address lies inside <c>lb.allowed_cidrs</c> and that list the app, on the backend's port or the node's
/// <c>http</c> port. Everything else is left out; bad objects (malformed, oversized, foreign addresses) are reported
/// with their reason and never reach HAProxy.
/// </summary>
public sealed record DesiredMembership(IReadOnlyList<DesiredServer> Servers, IReadOnlyList<MembershipExclusion> Excluded)
{
    public const string HttpPort = "http";

    public static readonly DesiredMembership None = new([], []);

    public static DesiredMembership From(RegistryListing listing, LbSection lb)
    {
        var servers = new List<DesiredServer>();
        var excluded = listing.Rejects.Select(r => new MembershipExclusion(r.Key, r.Reason)).ToList();
        foreach (var entry in listing.Live)
        {
            var record = entry.Record;
            var address = IPAddress.Parse(record.Address);
            if (address.IsIPv4MappedToIPv6)
            {
                address = address.MapToIPv4();
            }

            if (!lb.AllowedNetworks.Any(n => n.Contains(address)))
            {
                excluded.Add(new MembershipExclusion(entry.Key, $"address {address} is outside lb.allowed_cidrs ({string.Join(", ", lb.AllowedNetworks)})"));
                continue;
            }

            if (record.Health != NodeHealth.Healthy)
            {
                continue;
            }

            foreach (var backend in lb.Backends.Where(b => record.Apps.ContainsKey(b.App)))
            {
                var port = backend.Port ?? (record.Ports.TryGetValue(HttpPort, out var p) ? p : (int?)null);
                if (port is null)
                {
                    excluded.Add(new MembershipExclusion(entry.Key, $"serves {backend.App} but registers no '{HttpPort}' port and lb.backends has none"));
                    continue;
                }

                servers.Add(new DesiredServer(backend.App, record.NodeId, address, port.Value, record));
            }
        }

        return new DesiredMembership(servers, excluded);
    }
}
