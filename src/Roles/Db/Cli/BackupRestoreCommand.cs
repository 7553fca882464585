using System.CommandLine;
using NodeAgent.Cli;
using NodeAgent.Hosting;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Engines;

namespace NodeAgent.Roles.Db.Cli;

/// <summary>
/// <c>nodeagent backup restore</c>. PostgreSQL: writes a base backup into an empty directory with point-in-time recovery
/// settings (<c>--target-time</c>, <c>--target-lsn</c>, or the latest archived WAL); start PostgreSQL on it to recover.
/// MariaDB: streams a dump into the configured server.
/// </summary>
public static class BackupRestoreCommand
{
    public static Command Create(CliContext context, Func<DbSection, IDbEngine> engineFor)
    {
        var to = new Option<string?>("--to") { Description = "PostgreSQL: the new data directory (absent or empty)." };
        var targetTime = new Option<string?>("--target-time", "--to-time")
        {
            Description = "Restore up to this time (ISO 8601; UTC when no offset is given). PostgreSQL: recovery target; MariaDB: the newest dump before it, then the shipped binlogs up to it.",
        };
        var targetLsn = new Option<string?>("--target-lsn") { Description = "PostgreSQL: recover up to this WAL location, e.g. 0/3000060." };
        var backupId = new Option<string?>("--backup") { Description = "Restore this backup; default: the newest complete one that ended before the target." };
        var owner = new Option<string?>("--owner") { Description = "PostgreSQL: hand the directory to this OS user (default db.postgresql.os_user) when run as root." };
        var prefix = BackupCommand.PrefixOption();
        var command = new Command("restore", "Restore a backup: PostgreSQL into a new data directory with point-in-time recovery settings; MariaDB into the configured server.")
        {
            to, targetTime, targetLsn, backupId, owner, prefix,
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
                    var lines = await session.Backups.RestoreAsync(new BackupRestoreRequest
                    {
                        BackupId = parse.GetValue(backupId),
                        Prefix = parse.GetValue(prefix),
                        TargetDirectory = parse.GetValue(to),
                        TargetTime = parse.GetValue(targetTime),
                        TargetLsn = parse.GetValue(targetLsn),
                        Owner = parse.GetValue(owner),
                    }, ct);
                    await BackupCommand.WriteLinesAsync(context.Out, lines);
                    return (int)ExitCode.Ok;
                }
                catch (BackupUsageException ex)
                {
                    await context.Error.WriteLineAsync($"backup restore: {ex.Message}");
                    return (int)ExitCode.Usage;
                }
                catch (Exception ex) when (ex is InvalidOperationException or InvalidDataException or IOException or Backup.Encryption.BackupKeyException or Processes.ProcessFailedException)
                {
                    await context.Error.WriteLineAsync($"backup restore failed: {ex.Message}");
                    return (int)ExitCode.OperationFailed;
                }
            }
        });
        return command;
    }
}
