using System.CommandLine;
using NodeAgent.Hosting;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Engines;

namespace NodeAgent.Roles.Db.Cli;

/// <summary><c>nodeagent backup list|push|restore|verify|retain</c>: the db node's backups in S3 (docs/backups.md).</summary>
public static class BackupCommand
{
    /// <param name="engineFor">Turns the node's db section into its engine (<c>DbEngines.For</c>); the commands never ask which one it is.</param>
    public static Command Create(CliContext context, Func<DbSection, IDbEngine> engineFor)
    {
        var command = new Command("backup", "List, take, restore and verify this db node's backups in S3.");
        command.Subcommands.Add(BackupListCommand.Create(context, engineFor));
        command.Subcommands.Add(BackupPushCommand.Create(context, engineFor));
        command.Subcommands.Add(BackupRestoreCommand.Create(context, engineFor));
        command.Subcommands.Add(BackupVerifyCommand.Create(context, engineFor));
        command.Subcommands.Add(BackupRetainCommand.Create(context, engineFor));
        return command;
    }

    /// <summary>Reads another node's backups (e.g. restoring onto a replacement node).</summary>
    public static Option<string?> PrefixOption() => new("--prefix")
    {
        Description = "Backups under this S3 key prefix instead of this node's own (db.backup.prefix).",
    };

    /// <summary>Prints what an operation reported, one line each.</summary>
    internal static async Task WriteLinesAsync(TextWriter output, IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            await output.WriteLineAsync(line);
        }
    }
}
