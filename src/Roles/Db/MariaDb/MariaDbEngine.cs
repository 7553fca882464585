using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Processes;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Engines;
using NodeAgent.Roles.Db.Health;
using NodeAgent.Roles.Db.MariaDb.Replication;
using NodeAgent.Status;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.MariaDb;

/// <summary>
/// MariaDB/MySQL as the db role's engine: health through <c>SELECT 1</c>; logical dumps streamed to S3 and back;
/// closed binary logs shipped. No WAL archiver (no <c>db-archiver</c> check) and no <c>backup verify</c>.
/// </summary>
public sealed class MariaDbEngine(DbSection db) : IDbEngine
{
    public const string DisplayName = "MariaDB";

    /// <summary>The engine's segment of the default backup prefix, as <c>db.engine</c> names it.</summary>
    public const string PrefixSegment = "mariadb";

    public string Name => DisplayName;

    public void AddServices(IServiceCollection services)
    {
        services.AddProcesses();
        services.AddSingleton(sp => new MariaDbBackups(db, sp.GetRequiredService<AgentConfig>(), sp.GetRequiredService<NodeIdentity>(), sp.GetRequiredService<IObjectStore>(),
            sp.GetRequiredService<IProcessRunner>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IDbPing>(_ => new MariaDbPing(new MariaDbClient(db.MariaDb!)));
        services.AddSingleton<IDatabaseBackup>(sp => new MariaDbDatabaseBackup(sp.GetRequiredService<MariaDbBackups>()));
        services.AddSingleton<IBackupOperations>(sp => new MariaDbBackupOperations(sp.GetRequiredService<MariaDbBackups>()));
        if (db.MariaDb?.Replication is not null)
        {
            // The replication loop (docs/replication-mariadb.md): registered as a hosted service, so it runs in the daemon
            // only; the backup commands build the same services without a host.
            services.AddAgentMetrics();
            services.AddSingleton<MariaDbReplicationMetrics>();
            services.AddSingleton<MariaDbReplicationService>();
            services.AddHostedService(sp => sp.GetRequiredService<MariaDbReplicationService>());
        }
    }

    /// <summary>The binlog shipper, every <c>db.backup.binlog_interval</c>; its flush before an instance termination.</summary>
    public void AddArchiving(RoleBuilder role)
    {
        role.Loop<BinlogShipService>();
        role.Services.AddSingleton<Lifecycle.IArchiveFlush>(sp => new MariaDbBinlogFlush(new MariaDbClient(db.MariaDb!), sp.GetRequiredService<BinlogShipService>()));
    }

    /// <summary>Not yet: MariaDB replicas are a later issue.</summary>
    public void AddReplication(IServiceCollection services)
        => throw new EngineOperationNotSupportedException(DisplayName, "replication", "db.replication is implemented for PostgreSQL only so far; leave it off on MariaDB");
}
