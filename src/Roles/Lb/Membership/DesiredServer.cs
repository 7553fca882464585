using System.Net;
using NodeAgent.Registry;
using NodeAgent.Roles.Lb.Haproxy;

namespace NodeAgent.Roles.Lb.Membership;

/// <summary>A web node that should be a server of one app's backend, from a validated, allowed registry entry.</summary>
public sealed record DesiredServer(string App, string NodeId, IPAddress Address, int Port, NodeRecord Record)
{
    public ServerKey Key => new(App, NodeId);
}
