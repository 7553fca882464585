using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Lifecycle;
using NodeAgent.Processes;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.MariaDb;
using NodeAgent.Roles.Db.Postgres;
using NodeAgent.Status;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.Backup;

/// <summary>DI wiring of a db node's backups.</summary>
public static class BackupServiceCollectionExtensions
{
    /// <summary>
    /// A db node's backups. PostgreSQL: the archive settings at boot, the wal-push socket with look-ahead, and the
    /// base backup loop. MariaDB: the dump loop and the binlog shipper. Nothing when <c>db.backup.enabled</c> is false.
    /// </summary>
    public static RoleBuilder AddDbBackups(this RoleBuilder role, DbSection db)
    {
        var services = role.Services;
        var config = role.Config;
        if (!db.Backup.Enabled)
        {
            return role;
        }

        services.AddAgentMetrics();
        services.AddProcesses();
        services.AddSingleton<BackupMetrics>();
        if (db.Engine == DbEngine.PostgreSql)
        {
            services.AddSingleton(sp => new PostgresBackups(db, config, sp.GetRequiredService<NodeIdentity>(), sp.GetRequiredService<IObjectStore>(),
                sp.GetRequiredService<IProcessRunner>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
            services.AddSingleton<IStartupTask, WriteArchiveSettingsTask>();
            services.AddSingleton<IDatabaseBackup>(sp => new PostgresDatabaseBackup(sp.GetRequiredService<PostgresBackups>()));
            services.AddHostedService(sp =>
            {
                var backups = sp.GetRequiredService<PostgresBackups>();
                var loggers = sp.GetRequiredService<ILoggerFactory>();
                var lookahead = new WalLookahead(backups.Pusher(), Path.Combine(backups.Postgres.DataDir, "pg_wal"), db.Backup.WalLookahead, loggers.CreateLogger<WalLookahead>());
                return new WalArchiveServer(backups.SocketPath, backups.Postgres.DataDir, lookahead, backups.OsUser, loggers.CreateLogger<WalArchiveServer>(),
                    ct => backups.Runner().RunAsync(ct));
            });
        }
        else
        {
            services.AddSingleton(sp => new MariaDbBackups(db, config, sp.GetRequiredService<NodeIdentity>(), sp.GetRequiredService<IObjectStore>(),
                sp.GetRequiredService<IProcessRunner>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
            services.AddSingleton<IDatabaseBackup>(sp => new MariaDbDatabaseBackup(sp.GetRequiredService<MariaDbBackups>()));
            services.AddHostedService(sp => new BinlogShipService(sp.GetRequiredService<MariaDbBackups>().Shipper(), db.Backup.BinlogInterval,
                sp.GetRequiredService<BackupMetrics>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<BinlogShipService>>()));
        }

        if (!db.Backup.Scheduled)
        {
            return role;
        }

        services.AddHostedService(sp => new BackupLoopService(sp.GetRequiredService<IDatabaseBackup>(), db.Backup, sp.GetRequiredService<BackupMetrics>(),
            sp.GetRequiredService<ReadinessState>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<BackupLoopService>>()));
        return role;
    }
}
