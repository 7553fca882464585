using System.CommandLine;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Cli;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Health;

namespace NodeAgent.Roles.Db;

/// <summary>The db role: database health loop and continuous backups to S3, on the engine <c>db.engine</c> names.</summary>
public sealed class DbRole : NodeRole<DbSection>
{
    /// <summary>The role's name in user-data and registry keys.</summary>
    public const string RoleName = "db";

    public override string Name => RoleName;

    public override string Description => "PostgreSQL/MariaDB health; WAL archiving, base backups and dumps to S3";

    public override IEnumerable<Command> CreateCommands(CliContext context) =>
    [
        WalPushCommand.Create(context),
        WalFetchCommand.Create(context),
        BackupCommand.Create(context, DbEngines.For),
    ];

    /// <summary>PostgreSQL starts wal-push once per WAL segment: skip building the command tree (docs/backups.md).</summary>
    public override Func<CancellationToken, Task<int>>? TryRunFast(string[] args, CliContext context)
        => WalPushCommand.TryParseFast(args, out var settings, out var walPath)
            ? ct => WalPushCommand.RunAsync(context, settings, walPath, ct)
            : null;

    protected override DbSection ReadSection(ConfigReader section) => DbSection.Read(section);

    /// <summary>
    /// The engine's services, then the health loop; with <c>db.backup.enabled</c>, the engine's continuous archiving and
    /// the backup schedule.
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
    }
}
