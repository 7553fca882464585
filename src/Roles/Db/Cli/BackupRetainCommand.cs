using System.CommandLine;
using NodeAgent.Cli;
using NodeAgent.Hosting;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Engines;

namespace NodeAgent.Roles.Db.Cli;

/// <summary><c>nodeagent backup retain</c>: apply retention now (keep db.backup.retain_full full backups and what they need).</summary>
public static class BackupRetainCommand
{
    public static Command Create(CliContext context, Func<DbSection, IDbEngine> engineFor)
    {
        var command = new Command("retain", "Delete backups beyond db.backup.retain_full, and archived WAL/binlogs no kept backup needs.");
        command.SetAction(async (parse, ct) =>
        {
            var (session, code) = await BackupCliSession.OpenAsync(parse, context, engineFor, ct);
            if (session is null)
            {
                return code;
            }

            await using (session)
            {
                await BackupCommand.WriteLinesAsync(context.Out, await session.Backups.RetainAsync(session.Db.Backup.RetainFull, ct));
                return (int)ExitCode.Ok;
            }
        });
        return command;
    }
}
