using NodeAgent.Bootstrap;
using NodeAgent.Configuration;

namespace NodeAgent.Backup;

/// <summary>The key prefix of a node's backups: <c>db.backup.prefix</c>, else <c>&lt;cluster&gt;/backups/&lt;engine&gt;/&lt;node-id&gt;</c>.</summary>
public static class BackupPrefixes
{
    public static string For(AgentConfig config, NodeIdentity identity)
    {
        var db = config.Db ?? throw new InvalidOperationException("the db section is required for backups");
        var engine = db.Engine == DbEngine.PostgreSql ? "postgresql" : "mariadb";
        return db.Backup.Prefix ?? $"{config.Cluster}/backups/{engine}/{identity.NodeId}";
    }
}
