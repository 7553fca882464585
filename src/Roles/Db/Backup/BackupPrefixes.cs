using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Roles.Db.Configuration;

namespace NodeAgent.Roles.Db.Backup;

/// <summary>The key prefix of a node's backups: <c>db.backup.prefix</c>, else <c>&lt;cluster&gt;/backups/&lt;engine&gt;/&lt;node-id&gt;</c>.</summary>
public static class BackupPrefixes
{
    public static string For(DbSection db, AgentConfig config, NodeIdentity identity)
    {
        var engine = db.Engine == DbEngine.PostgreSql ? "postgresql" : "mariadb";
        return db.Backup.Prefix ?? $"{config.Cluster}/backups/{engine}/{identity.NodeId}";
    }
}
