using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Roles.Db.Configuration;

namespace NodeAgent.Roles.Db.Backup;

/// <summary>
/// The key prefix of a node's backups: <c>db.backup.prefix</c>, else <c>&lt;cluster&gt;/backups/&lt;engine&gt;/&lt;node-id&gt;</c>;
/// with replication, one archive for the primary and its replicas: <c>&lt;cluster&gt;/backups/&lt;engine&gt;/&lt;writers' name&gt;</c>
/// (whichever node is primary archives there, on its timeline).
/// </summary>
public static class BackupPrefixes
{
    /// <param name="engine">The engine's segment of the default prefix: <c>postgresql</c> or <c>mariadb</c>, as in <c>db.engine</c>.</param>
    /// <param name="group">With replication: the writers' name label the nodes share; null for a node's own archive.</param>
    public static string For(string engine, DbBackupConfig backup, AgentConfig config, NodeIdentity identity, string? group = null)
        => backup.Prefix ?? $"{config.Cluster}/backups/{engine}/{group ?? identity.NodeId}";
}
