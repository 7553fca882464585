using System.CommandLine;
using NodeAgent.Cli;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.MariaDb;
using NodeAgent.Roles.Db.Postgres;

namespace NodeAgent.Roles.Db.Cli;

/// <summary><c>nodeagent backup push</c>: take a full backup now (what the agent's backup loop does on its schedule).</summary>
public static class BackupPushCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("push", "Take a full backup now: a streamed base backup (PostgreSQL) or dump (MariaDB).");
        command.SetAction(async (parse, ct) =>
        {
            var (session, code) = await BackupCliSession.OpenAsync(parse, context, ct);
            if (session is null)
            {
                return code;
            }

            await using (session)
            {
                try
                {
                    if (session.Db.Engine == DbEngine.PostgreSql)
                    {
                        // The running agent takes it when there is one (warm process, docs/backups.md), else this process does.
                        var settings = session.Db.PostgreSql?.ArchiveSettings ?? ArchiveConfigWriter.PathUnder(session.Config.Node.StateDir);
                        var m = await BackupSocketClient.TryBackupAsync(ArchiveConfigWriter.SocketNextTo(settings), ct)
                            ?? await new PostgresBackups(session.Db, session.Config, session.Boot.Identity, session.Store, session.Processes, TimeProvider.System, session.Loggers)
                                .Runner().RunAsync(ct);
                        await context.Out.WriteLineAsync($"backup {m.Id} complete: {BackupListCommand.Size(m.TarBytes)} → {BackupListCommand.Size(m.StoredBytes)} stored, WAL {m.StartWal}..{m.StopWal}");
                    }
                    else
                    {
                        var backups = new MariaDbBackups(session.Db, session.Config, session.Boot.Identity, session.Store, session.Processes, TimeProvider.System, session.Loggers);
                        var m = await backups.Dumper().RunAsync(ct);
                        await context.Out.WriteLineAsync($"dump {m.Id} complete: {BackupListCommand.Size(m.SqlBytes)} → {BackupListCommand.Size(m.StoredBytes)} stored, binlog {m.BinlogFile}:{m.BinlogPosition}");
                    }

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
