using System.CommandLine;
using NodeAgent.Cli;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Postgres;

namespace NodeAgent.Roles.Db.Cli;

/// <summary>
/// <c>nodeagent backup verify</c> (PostgreSQL): restore a backup into a scratch directory, start PostgreSQL on a free
/// loopback port, run a query, report, and clean up. Exit 0 only when the query answered.
/// </summary>
public static class BackupVerifyCommand
{
    public static Command Create(CliContext context)
    {
        var backupId = new Option<string?>("--backup") { Description = "Verify this backup; default: the newest complete one." };
        var scratch = new Option<string>("--scratch") { Description = "Directory for the scratch restore.", DefaultValueFactory = _ => Path.GetTempPath() };
        var query = new Option<string>("--query") { Description = "The query to run.", DefaultValueFactory = _ => "SELECT count(*) FROM pg_database" };
        var prefix = BackupCommand.PrefixOption();
        var command = new Command("verify", "Restore a backup into a scratch directory, start PostgreSQL on loopback, run a query and report.")
        {
            backupId, scratch, query, prefix,
        };
        command.SetAction(async (parse, ct) =>
        {
            var (session, code) = await BackupCliSession.OpenAsync(parse, context, ct);
            if (session is null)
            {
                return code;
            }

            await using (session)
            {
                if (session.Db.Engine != DbEngine.PostgreSql)
                {
                    await context.Error.WriteLineAsync("backup verify: only PostgreSQL backups can be verified this way; use backup restore into a scratch server for MariaDB");
                    return (int)ExitCode.Usage;
                }

                var backups = new PostgresBackups(session.Db, session.Config, session.Boot.Identity, session.Store, session.Processes, TimeProvider.System, session.Loggers);
                var other = parse.GetValue(prefix);
                var owner = OsUser.Find(backups.Postgres.OsUser);
                try
                {
                    var report = await backups.Verifier(other).VerifyAsync(parse.GetValue(scratch)!, parse.GetValue(backupId), dir =>
                    {
                        var settings = Path.Combine(dir, "config", "archive.json");
                        ArchiveConfigWriter.Write(settings, backups.Settings(other), owner);
                        return PostgresBackups.RestoreCommand(settings);
                    }, owner, parse.GetValue(query)!, ct);
                    await context.Out.WriteLineAsync($"backup {report.BackupId}: OK");
                    await context.Out.WriteLineAsync($"  restore   {report.RestoreTime.TotalSeconds:0.0} s");
                    await context.Out.WriteLineAsync($"  recovery  {report.RecoveryTime.TotalSeconds:0.0} s, replayed to {report.ReplayedTo}");
                    await context.Out.WriteLineAsync($"  query     {report.Query}");
                    await context.Out.WriteLineAsync($"  result    {report.Result}");
                    return (int)ExitCode.Ok;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    await context.Error.WriteLineAsync($"backup verify FAILED: {ex.Message}");
                    return (int)ExitCode.OperationFailed;
                }
            }
        });
        return command;
    }
}
