using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Lifecycle;
using NodeAgent.Roles;
using NodeAgent.Roles.Db;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Engines;
using NodeAgent.Roles.Db.Health;
using NodeAgent.Roles.Db.MariaDb;
using NodeAgent.Roles.Db.Postgres;
using NodeAgent.Storage;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Db;

/// <summary>
/// The engine is chosen once from <c>db.engine</c> (<see cref="DbEngines.For"/>), registers its own implementations, and
/// says itself what it cannot do. No database is needed: nothing here connects.
/// </summary>
public sealed class DbEnginesTests
{
    private const string Postgres = """
        version: 1
        role: db
        cluster: demo
        aws: {region: us-east-1, bucket: my-bucket}
        db:
          engine: postgresql
          postgresql: {data_dir: /var/lib/postgresql/15/main}
        """;

    private const string Maria = """
        version: 1
        role: db
        cluster: demo
        aws: {region: us-east-1, bucket: my-bucket}
        db:
          engine: mariadb
          mariadb: {port: 3306}
        """;

    [Fact]
    public void For_PostgreSqlConfig_ChoosesThePostgreSqlEngine_WhichRegistersItsPingArchiverAndBackups()
    {
        var config = Read(Postgres);

        var engine = DbEngines.For(config.Section<DbSection>());
        using var services = Services(config, engine);

        Assert.IsType<PostgresEngine>(engine);
        Assert.Equal("PostgreSQL", engine.Name);
        Assert.IsType<PostgresPing>(services.GetRequiredService<IDbPing>());
        Assert.IsType<PostgresArchiverProbe>(services.GetService<IWalArchiverProbe>());
        Assert.Equal("PostgreSQL", services.GetRequiredService<IDatabaseBackup>().Engine);
        Assert.IsType<PostgresBackupOperations>(services.GetRequiredService<IBackupOperations>());
        Assert.Equal("demo/backups/postgresql/db-1", services.GetRequiredService<PostgresBackups>().Prefix);
    }

    [Fact]
    public void For_MariaDbConfig_ChoosesTheMariaDbEngine_WhichHasNoWalArchiver()
    {
        var config = Read(Maria);

        var engine = DbEngines.For(config.Section<DbSection>());
        using var services = Services(config, engine);

        Assert.IsType<MariaDbEngine>(engine);
        Assert.Equal("MariaDB", engine.Name);
        Assert.IsType<MariaDbPing>(services.GetRequiredService<IDbPing>());
        Assert.Null(services.GetService<IWalArchiverProbe>());
        Assert.Equal("MariaDB", services.GetRequiredService<IDatabaseBackup>().Engine);
        Assert.IsType<MariaDbBackupOperations>(services.GetRequiredService<IBackupOperations>());
        Assert.Equal("demo/backups/mariadb/db-1", services.GetRequiredService<MariaDbBackups>().Prefix);
    }

    [Fact]
    public async Task Verify_OnMariaDb_IsRefusedByTheEngine_WithAMessageThatSaysWhatToDoInstead()
    {
        var config = Read(Maria);
        using var services = Services(config, DbEngines.For(config.Section<DbSection>()));
        var operations = services.GetRequiredService<IBackupOperations>();

        var ex = await Assert.ThrowsAsync<EngineOperationNotSupportedException>(() => operations.VerifyAsync(
            new BackupVerifyRequest { ScratchDirectory = Path.GetTempPath(), Query = "SELECT 1" }, CancellationToken.None));

        Assert.Equal("MariaDB", ex.Engine);
        Assert.Equal("backup verify", ex.Operation);
        Assert.Equal("only PostgreSQL backups can be verified this way; use backup restore into a scratch server for MariaDB", ex.Message);
    }

    [Fact]
    public async Task Restore_OnPostgreSqlWithoutATargetDirectory_IsAUsageError()
    {
        var config = Read(Postgres);
        using var services = Services(config, DbEngines.For(config.Section<DbSection>()));
        var operations = services.GetRequiredService<IBackupOperations>();

        var ex = await Assert.ThrowsAsync<BackupUsageException>(() => operations.RestoreAsync(new BackupRestoreRequest(), CancellationToken.None));

        Assert.Equal("--to DIR is required for PostgreSQL", ex.Message);
    }

    [Fact]
    public void DbRole_OnPostgreSql_WiresHealth_ThePostgresArchiving_AndTheBackupLoop()
    {
        var config = Read(Postgres);

        using var services = Role(config);

        Assert.Equal([typeof(DbHealthService), typeof(WalArchiveServer), typeof(BackupLoopService)],
            services.GetServices<IHostedService>().Select(s => s.GetType()));
        Assert.IsType<WriteArchiveSettingsTask>(Assert.Single(services.GetServices<IStartupTask>()));
    }

    [Fact]
    public void DbRole_OnMariaDb_WiresHealth_TheBinlogShipper_AndTheBackupLoop()
    {
        var config = Read(Maria);

        using var services = Role(config);

        Assert.Equal([typeof(DbHealthService), typeof(BinlogShipService), typeof(BackupLoopService)],
            services.GetServices<IHostedService>().Select(s => s.GetType()));
        Assert.Empty(services.GetServices<IStartupTask>());
    }

    [Fact]
    public void DbRole_WithBackupsDisabled_WiresOnlyTheHealthLoop()
    {
        var config = Read(Postgres + "\n  backup: {enabled: false}");

        using var services = Role(config);

        Assert.IsType<DbHealthService>(Assert.Single(services.GetServices<IHostedService>()));
        Assert.Empty(services.GetServices<IStartupTask>());
    }

    private static AgentConfig Read(string userData) => AgentConfigReader.Read(userData, "test", BuiltInRoles.Catalog().SectionReaders);

    /// <summary>What the daemon and the backup commands give every engine, plus the engine's own services.</summary>
    private static ServiceProvider Services(AgentConfig config, IDbEngine engine)
    {
        var services = Kernel(config);
        engine.AddServices(services);
        return services.BuildServiceProvider();
    }

    /// <summary>The db role configured as the daemon configures it.</summary>
    private static ServiceProvider Role(AgentConfig config)
    {
        var services = Kernel(config);
        new DbRole().Configure(new RoleBuilder(services, config));
        return services.BuildServiceProvider();
    }

    private static ServiceCollection Kernel(AgentConfig config)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(config);
        services.AddSingleton(new NodeIdentity
        {
            Cluster = "demo",
            Role = "db",
            NodeId = "db-1",
            InstanceId = "i-db-1",
            Address = IPAddress.Loopback,
            Source = "test",
        });
        services.AddSingleton<IObjectStore>(new ConditionalStore());
        return services;
    }
}
