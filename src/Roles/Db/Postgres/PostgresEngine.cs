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
using NodeAgent.Roles.Db.Postgres.Replication;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>
/// PostgreSQL as the db role's engine: health through <c>SELECT 1</c> and <c>pg_stat_archiver</c>; continuous WAL
/// archiving through the agent's wal-push socket; streamed base backups; restore with point-in-time recovery; verify.
/// </summary>
public sealed class PostgresEngine(DbSection db) : IDbEngine
{
    public const string DisplayName = "PostgreSQL";

    /// <summary>The engine's segment of the default backup prefix, as <c>db.engine</c> names it.</summary>
    public const string PrefixSegment = "postgresql";

    public string Name => DisplayName;

    public void AddServices(IServiceCollection services)
    {
        services.AddProcesses();
        services.AddSingleton(sp => new PostgresBackups(db, sp.GetRequiredService<AgentConfig>(), sp.GetRequiredService<NodeIdentity>(), sp.GetRequiredService<IObjectStore>(),
            sp.GetRequiredService<IProcessRunner>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IDbPing>(_ => new PostgresPing(new PostgresClient(db.PostgreSql!)));
        services.AddSingleton<IWalArchiverProbe>(_ => new PostgresArchiverProbe(new PostgresClient(db.PostgreSql!)));
        services.AddSingleton<IDatabaseBackup>(sp => new PostgresDatabaseBackup(sp.GetRequiredService<PostgresBackups>()));
        services.AddSingleton<IBackupOperations>(sp => new PostgresBackupOperations(sp.GetRequiredService<PostgresBackups>()));
    }

    /// <summary>Replicas from the archive, promotion, rewind and re-seed (<see cref="PostgresReplicationEngine"/>).</summary>
    public void AddReplication(IServiceCollection services)
        => services.AddSingleton<IReplicationEngine>(sp => new PostgresReplicationEngine(sp.GetRequiredService<PostgresBackups>(), db.Replication,
            sp.GetRequiredService<AgentConfig>(), sp.GetRequiredService<NodeIdentity>(), sp.GetRequiredService<IProcessRunner>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));

    /// <summary>The archive settings at boot, and the wal-push socket with look-ahead (which also takes base backups for <c>backup push</c>).</summary>
    public void AddArchiving(RoleBuilder role)
    {
        role.StartupTask<WriteArchiveSettingsTask>();
        role.Services.AddSingleton<Lifecycle.IArchiveFlush>(sp => new PostgresWalFlush(new PostgresClient(db.PostgreSql!), sp.GetRequiredService<TimeProvider>()));
        role.Services.AddHostedService(sp =>
        {
            var backups = sp.GetRequiredService<PostgresBackups>();
            var loggers = sp.GetRequiredService<ILoggerFactory>();
            var lookahead = new WalLookahead(backups.Pusher(), Path.Combine(backups.Postgres.DataDir, "pg_wal"), db.Backup.WalLookahead, loggers.CreateLogger<WalLookahead>());
            var owner = backups.OsUser;
            var fetcher = new WalFetcher(backups.Store, backups.Layout, db.Backup.WalPrefetch, loggers.CreateLogger<WalFetcher>(), backups.Cipher)
            {
                PrefetchInBackground = true,
                OnCreated = path =>
                {
                    if (owner is not null && PosixOwnership.IsRoot)
                    {
                        PosixOwnership.Chown(path, owner.Uid, owner.Gid);
                    }
                },
            };
            return new WalArchiveServer(backups.SocketPath, backups.Postgres.DataDir, lookahead, owner, loggers.CreateLogger<WalArchiveServer>(),
                ct => backups.Runner().RunAsync(ct), fetcher);
        });
    }
}
