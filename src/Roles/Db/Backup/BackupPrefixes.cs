using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Roles.Db.Configuration;

namespace NodeAgent.Roles.Db.Backup;

/// <summary>The key prefix of a node's backups: <c>db.backup.prefix</c>, else <c>&lt;cluster&gt;/backups/&lt;engine&gt;/&lt;node-id&gt;</c>.</summary>
public static class BackupPrefixes
{
    /// <param name="engine">The engine's segment of the default prefix: <c>postgresql</c> or <c>mariadb</c>, as in <c>db.engine</c>.</param>
    public static string For(string engine, DbBackupConfig backup, AgentConfig config, NodeIdentity identity)
        => backup.Prefix ?? $"{config.Cluster}/backups/{engine}/{identity.NodeId}";
}
