using System.CommandLine;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Cli;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Health;
using NodeAgent.Roles.Db.Replication;

namespace NodeAgent.Roles.Db;

/// <summary>The db role: database health loop and continuous backups to S3, on the engine <c>db.engine</c> names.</summary>
public sealed class DbRole : NodeRole<DbSection>
{
    /// <summary>The role's name in user-data and registry keys.</summary>
    public const string RoleName = "db";

    public override string Name => RoleName;

    public override string Description => "PostgreSQL/MariaDB health; WAL archiving, base backups and dumps to S3; PostgreSQL replicas from the archive with fenced promotion";

    /// <summary>The writers' name (<c>db</c>), shown by <c>nodeagent dns status</c> on every node.</summary>
    public override IReadOnlyList<SharedDnsName> DefaultSharedDnsNames => [new DbReplicationConfig().SharedName];

    public override IEnumerable<Command> CreateCommands(CliContext context) =>
    [
        WalPushCommand.Create(context),
        WalFetchCommand.Create(context),
        BackupCommand.Create(context, DbEngines.For),
        DbCommand.Create(context),
    ];

    /// <summary>PostgreSQL starts wal-push and wal-fetch once per WAL segment: skip building the command tree (docs/backups.md).</summary>
    public override Func<CancellationToken, Task<int>>? TryRunFast(string[] args, CliContext context)
        => WalPushCommand.TryParseFast(args, out var settings, out var walPath) ? ct => WalPushCommand.RunAsync(context, settings, walPath, ct)
            : WalFetchCommand.TryParseFast(args, out var fetchSettings, out var name, out var destination) ? ct => WalFetchCommand.RunFastAsync(context, fetchSettings, name, destination, ct)
            : null;

    protected override DbSection ReadSection(ConfigReader section) => DbSection.Read(section);

    /// <summary>
    /// The engine's services, then the health loop; with <c>db.backup.enabled</c>, the engine's continuous archiving and
    /// the backup schedule; with <c>db.replication</c>, replication (docs/replication.md).
    /// </summary>
    protected override void Configure(RoleBuilder role, DbSection db)
    {
        var engine = DbEngines.For(db);
        engine.AddServices(role.Services);
        role.AddDbHealth();
        role.TerminationStep<Lifecycle.ArchiveOnTerminationStep>();
        if (db.Backup.Enabled)
        {
            engine.AddArchiving(role);
            role.AddDbBackups(db);
        }

        role.AddDbReplication(db, engine);
    }
}
