using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Hosting;

namespace NodeAgent.Roles.Db.Engines;

/// <summary>
/// The database engine a db node runs: PostgreSQL or MariaDB/MySQL. Chosen once from <c>db.engine</c> when the role is
/// wired (<c>DbEngines.For</c>, next to <c>DbRole</c>); nothing else in the role asks which engine it is. The engine
/// registers its own implementations of the role's small abstractions, and the rest of the role uses only those:
/// <list type="bullet">
/// <item>the health loop: <c>IDbPing</c>, plus <c>IWalArchiverProbe</c> when the engine has a WAL archiver (PostgreSQL);</item>
/// <item>the backup loop: <c>IDatabaseBackup</c>;</item>
/// <item>the <c>backup</c> commands: <see cref="IBackupOperations"/>;</item>
/// <item>replication (<c>db.replication</c>): <see cref="IReplicationEngine"/>.</item>
/// </list>
/// </summary>
public interface IDbEngine
{
    /// <summary>"PostgreSQL" or "MariaDB", as log lines, readiness details and messages name it.</summary>
    string Name { get; }

    /// <summary>
    /// What the daemon and the <c>backup</c> commands share: the engine's ping, backups and backup operations. They take
    /// <c>AgentConfig</c>, <c>NodeIdentity</c>, <c>IObjectStore</c>, <c>TimeProvider</c> and logging from the container.
    /// </summary>
    void AddServices(IServiceCollection services);

    /// <summary>
    /// The daemon's continuous archiving, added when <c>db.backup.enabled</c>: PostgreSQL writes the archive settings at
    /// boot and serves wal-push on its socket; MariaDB ships closed binlogs.
    /// </summary>
    void AddArchiving(RoleBuilder role);

    /// <summary>
    /// Replication, added when <c>db.replication.mode</c> is not <c>off</c>: the engine's <see cref="IReplicationEngine"/>
    /// (the engine-neutral loop, gate and switchover in <c>Db/Replication/</c> drive it). An engine without it throws
    /// <see cref="EngineOperationNotSupportedException"/> (user-data validation refuses the combination first).
    /// </summary>
    void AddReplication(IServiceCollection services);
}
