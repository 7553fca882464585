using System.Net;

namespace NodeAgent.Roles.Db.Engines;

/// <summary>Another db node's server: its node id (replicas connect with theirs as application name), address and port.</summary>
public sealed record PeerEndpoint(string NodeId, IPAddress Address, int Port)
{
    public override string ToString() => $"{NodeId} ({new IPEndPoint(Address, Port)})";
}
