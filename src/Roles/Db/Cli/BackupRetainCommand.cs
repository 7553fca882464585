using System.CommandLine;
using NodeAgent.Cli;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.MariaDb;
using NodeAgent.Roles.Db.Postgres;

namespace NodeAgent.Roles.Db.Cli;

/// <summary><c>nodeagent backup retain</c>: apply retention now (keep db.backup.retain_full full backups and what they need).</summary>
public static class BackupRetainCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("retain", "Delete backups beyond db.backup.retain_full, and archived WAL/binlogs no kept backup needs.");
        command.SetAction(async (parse, ct) =>
        {
            var (session, code) = await BackupCliSession.OpenAsync(parse, context, ct);
            if (session is null)
            {
                return code;
            }

            await using (session)
            {
                var keep = session.Db.Backup.RetainFull;
                if (session.Db.Engine == DbEngine.PostgreSql)
                {
                    var backups = new PostgresBackups(session.Db, session.Config, session.Boot.Identity, session.Store, session.Processes, TimeProvider.System, session.Loggers);
                    var plan = await backups.Retention().ApplyAsync(keep, ct);
                    await context.Out.WriteLineAsync($"kept {plan.KeptBackups.Count} backups; deleted {plan.DeletedBackups.Count} backups and {plan.DeletedWal.Count} WAL files (WAL kept from {plan.OldestNeededWal ?? "-"})");
                }
                else
                {
                    var backups = new MariaDbBackups(session.Db, session.Config, session.Boot.Identity, session.Store, session.Processes, TimeProvider.System, session.Loggers);
                    var plan = await backups.Retention().ApplyAsync(keep, ct);
                    await context.Out.WriteLineAsync($"kept {plan.KeptDumps.Count} dumps; deleted {plan.DeletedDumps.Count} dumps and {plan.DeletedBinlogs.Count} binlogs");
                }

                return (int)ExitCode.Ok;
            }
        });
        return command;
    }
}
