using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Engines;

namespace NodeAgent.Roles.Db.Replication;

/// <summary>With replication, only the running primary takes scheduled base backups: the archive is one for every node.</summary>
public sealed class ReplicaBackupGate(IReplicationEngine engine) : IBackupGate
{
    public async Task<string?> WhyNotAsync(CancellationToken cancellationToken)
    {
        var local = await engine.InspectAsync(cancellationToken);
        if (!local.Running)
        {
            return "the database server is not running";
        }

        try
        {
            return (await engine.ReadStatusAsync(cancellationToken)).IsReplica ? "this node is a replica; the primary takes the backups" : null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return $"the database server does not answer ({ex.Message})";
        }
    }
}
