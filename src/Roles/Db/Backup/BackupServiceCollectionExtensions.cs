using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Hosting;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Status;

namespace NodeAgent.Roles.Db.Backup;

/// <summary>DI wiring of a db node's backup schedule, whatever the engine.</summary>
public static class BackupServiceCollectionExtensions
{
    /// <summary>
    /// The backup metrics, and the backup loop when <c>db.backup.scheduled</c> (readiness check <c>db-backup</c>). The
    /// engine's <see cref="IDatabaseBackup"/> must be registered (<c>IDbEngine.AddServices</c>); its continuous archiving
    /// (WAL, binlogs) is the engine's own (<c>IDbEngine.AddArchiving</c>).
    /// </summary>
    public static RoleBuilder AddDbBackups(this RoleBuilder role, DbSection db)
    {
        role.Services.AddAgentMetrics();
        role.Services.AddSingleton<BackupMetrics>();
        return db.Backup.Scheduled ? role.Loop<BackupLoopService>() : role;
    }
}
