using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.MariaDb;
using NodeAgent.Postgres;
using NodeAgent.Processes;
using NodeAgent.Status;
using NodeAgent.Storage;

namespace NodeAgent.Backup;

/// <summary>DI wiring of a db node's backups.</summary>
public static class BackupServiceCollectionExtensions
{
    /// <summary>
    /// A db node's backups. PostgreSQL: the archive settings at boot, the wal-push socket with look-ahead, and the
    /// base backup loop. MariaDB: the dump loop and the binlog shipper. Nothing when <c>db.backup.enabled</c> is false.
    /// </summary>
    public static IServiceCollection AddDbBackups(this IServiceCollection services, AgentConfig config)
    {
        var db = config.Db ?? throw new InvalidOperationException("the db section is required for backups");
        if (!db.Backup.Enabled)
        {
            return services;
        }

        services.AddAgentMetrics();
        services.AddProcesses();
        services.AddSingleton<BackupMetrics>();
        if (db.Engine == DbEngine.PostgreSql)
        {
            services.AddSingleton(sp => new PostgresBackups(config, sp.GetRequiredService<NodeIdentity>(), sp.GetRequiredService<IObjectStore>(),
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
            services.AddSingleton(sp => new MariaDbBackups(config, sp.GetRequiredService<NodeIdentity>(), sp.GetRequiredService<IObjectStore>(),
                sp.GetRequiredService<IProcessRunner>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
            services.AddSingleton<IDatabaseBackup>(sp => new MariaDbDatabaseBackup(sp.GetRequiredService<MariaDbBackups>()));
            services.AddHostedService(sp => new BinlogShipService(sp.GetRequiredService<MariaDbBackups>().Shipper(), db.Backup.BinlogInterval,
                sp.GetRequiredService<BackupMetrics>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<BinlogShipService>>()));
        }

        if (!db.Backup.Scheduled)
        {
            return services;
        }

        services.AddHostedService(sp => new BackupLoopService(sp.GetRequiredService<IDatabaseBackup>(), db.Backup, sp.GetRequiredService<BackupMetrics>(),
            sp.GetRequiredService<ReadinessState>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<BackupLoopService>>()));
        return services;
    }
}
