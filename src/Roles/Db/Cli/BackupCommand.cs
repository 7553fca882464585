using System.CommandLine;
using NodeAgent.Hosting;

namespace NodeAgent.Roles.Db.Cli;

/// <summary><c>nodeagent backup list|push|restore|verify|retain</c>: the db node's backups in S3 (docs/backups.md).</summary>
public static class BackupCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("backup", "List, take, restore and verify this db node's backups in S3.");
        command.Subcommands.Add(BackupListCommand.Create(context));
        command.Subcommands.Add(BackupPushCommand.Create(context));
        command.Subcommands.Add(BackupRestoreCommand.Create(context));
        command.Subcommands.Add(BackupVerifyCommand.Create(context));
        command.Subcommands.Add(BackupRetainCommand.Create(context));
        return command;
    }

    /// <summary>Reads another node's backups (e.g. restoring onto a replacement node).</summary>
    public static Option<string?> PrefixOption() => new("--prefix")
    {
        Description = "Backups under this S3 key prefix instead of this node's own (db.backup.prefix).",
    };
}
