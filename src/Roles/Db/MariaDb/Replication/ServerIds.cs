using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using NodeAgent.Bootstrap;

namespace NodeAgent.Roles.Db.MariaDb.Replication;

/// <summary>
/// A MariaDB <c>server_id</c> from the node's identity: the first 32 bits of SHA-256(cluster/node-id), never 0. The same
/// node gets the same id at every start (it is set again at every start and checked every round, since
/// <c>SET GLOBAL server_id</c> does not survive a server restart); two nodes of a cluster collide with probability about
/// n²/2³³ (one in 10⁸ for ten nodes), and MariaDB itself refuses to replicate between equal ids, which the replica
/// reports.
/// </summary>
public static class ServerIds
{
    public static uint For(NodeIdentity identity) => For(identity.Cluster, identity.NodeId);

    public static uint For(string cluster, string nodeId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{cluster}/{nodeId}"));
        var id = BinaryPrimitives.ReadUInt32BigEndian(hash);
        return id == 0 ? 1 : id;
    }
}
