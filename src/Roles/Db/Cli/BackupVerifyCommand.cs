using System.CommandLine;
using NodeAgent.Cli;
using NodeAgent.Hosting;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Engines;

namespace NodeAgent.Roles.Db.Cli;

/// <summary>
/// <c>nodeagent backup verify</c> (PostgreSQL): restore a backup into a scratch directory, start PostgreSQL on a free
/// loopback port, run a query, report, and clean up. Exit 0 only when the query answered. An engine that cannot verify
/// this way says so (a usage error).
/// </summary>
public static class BackupVerifyCommand
{
    public static Command Create(CliContext context, Func<DbSection, IDbEngine> engineFor)
    {
        var backupId = new Option<string?>("--backup") { Description = "Verify this backup; default: the newest complete one." };
        var scratch = new Option<string>("--scratch") { Description = "Directory for the scratch restore.", DefaultValueFactory = _ => Path.GetTempPath() };
        var query = new Option<string>("--query") { Description = "The query to run.", DefaultValueFactory = _ => "SELECT count(*) FROM pg_database" };
        var objectsOnly = new Option<bool>("--objects-only")
        {
            Description = "Only read every object the backup needs and check its authenticity and checksums; restore nothing (the way MariaDB backups are verified).",
        };
        var prefix = BackupCommand.PrefixOption();
        var command = new Command("verify", "Check every object of a backup (authenticity, checksums); on PostgreSQL then restore it into a scratch directory, start it on loopback, run a query and report.")
        {
            backupId, scratch, query, objectsOnly, prefix,
        };
        command.SetAction(async (parse, ct) =>
        {
            var (session, code) = await BackupCliSession.OpenAsync(parse, context, engineFor, ct);
            if (session is null)
            {
                return code;
            }

            await using (session)
            {
                try
                {
                    var lines = await session.Backups.VerifyAsync(new BackupVerifyRequest
                    {
                        BackupId = parse.GetValue(backupId),
                        Prefix = parse.GetValue(prefix),
                        ScratchDirectory = parse.GetValue(scratch)!,
                        Query = parse.GetValue(query)!,
                        ObjectsOnly = parse.GetValue(objectsOnly),
                    }, ct);
                    await BackupCommand.WriteLinesAsync(context.Out, lines);
                    return (int)ExitCode.Ok;
                }
                catch (EngineOperationNotSupportedException ex)
                {
                    await context.Error.WriteLineAsync($"backup verify: {ex.Message}");
                    await context.Error.WriteLineAsync("backup verify --objects-only checks every object's authenticity and checksums without restoring");
                    return (int)ExitCode.Usage;
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
