using System.CommandLine;
using NodeAgent.Cli;
using NodeAgent.Hosting;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Engines;

namespace NodeAgent.Roles.Db.Cli;

/// <summary><c>nodeagent backup push</c>: take a full backup now (what the agent's backup loop does on its schedule).</summary>
public static class BackupPushCommand
{
    public static Command Create(CliContext context, Func<DbSection, IDbEngine> engineFor)
    {
        var command = new Command("push", "Take a full backup now: a streamed base backup (PostgreSQL) or dump (MariaDB).");
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
                    await BackupCommand.WriteLinesAsync(context.Out, await session.Backups.PushAsync(ct));
                    return (int)ExitCode.Ok;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    await context.Error.WriteLineAsync($"backup push failed: {ex.Message}");
                    return (int)ExitCode.OperationFailed;
                }
            }
        });
        return command;
    }
}
