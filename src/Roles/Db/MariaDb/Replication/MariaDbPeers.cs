using NodeAgent.Registry;

namespace NodeAgent.Roles.Db.MariaDb.Replication;

/// <summary>Finds the MariaDB primary among the db nodes in the registry (live records only).</summary>
public sealed class MariaDbPeers(INodeRegistry registry, string cluster)
{
    /// <summary>The registry port name a MariaDB node publishes for replicas.</summary>
    public const string PortName = "mariadb";

    public const string Engine = "mariadb";

    /// <summary>
    /// The primary: the node <paramref name="claim"/> names (after a promotion), else <paramref name="configured"/>, else
    /// the one live MariaDB node whose record says primary. Null while there is none; throws when it is ambiguous.
    /// </summary>
    public async Task<MariaDbPrimary?> FindPrimaryAsync(PrimaryClaim? claim, string? configured, CancellationToken cancellationToken)
    {
        var listing = await registry.ListAsync(cluster, DbRole.RoleName, cancellationToken);
        var primaries = listing.Live
            .Where(e => e.Record.Database is { Engine: Engine, Role: DatabaseView.Primary } && e.Record.Ports.ContainsKey(PortName))
            .ToList();
        var wanted = claim?.NodeId ?? configured;
        var chosen = wanted is not null ? primaries.FirstOrDefault(e => e.Record.NodeId == wanted)
            : primaries.Count <= 1 ? primaries.FirstOrDefault()
            : throw new InvalidOperationException(
                $"{primaries.Count} MariaDB nodes say they are the primary ({string.Join(", ", primaries.Select(p => p.Record.NodeId))}); set db.mariadb.replication.primary");
        return chosen is null ? null : new MariaDbPrimary(chosen.Record.NodeId, chosen.Record.Address, chosen.Record.Ports[PortName], chosen.Record.Database!.Epoch, chosen.Record.Database.Position);
    }

    /// <summary>A node's live record, or null.</summary>
    public async Task<RegistryEntry?> FindAsync(string nodeId, CancellationToken cancellationToken)
        => (await registry.ListAsync(cluster, DbRole.RoleName, cancellationToken)).Entries.FirstOrDefault(e => e.Record.NodeId == nodeId);
}
