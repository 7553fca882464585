using System.CommandLine;
using System.Globalization;
using NodeAgent.Cli;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.MariaDb;
using NodeAgent.Roles.Db.Postgres;

namespace NodeAgent.Roles.Db.Cli;

/// <summary>
/// <c>nodeagent backup restore</c>. PostgreSQL: writes a base backup into an empty directory with point-in-time recovery
/// settings (<c>--target-time</c>, <c>--target-lsn</c>, or the latest archived WAL); start PostgreSQL on it to recover.
/// MariaDB: streams a dump into the configured server.
/// </summary>
public static class BackupRestoreCommand
{
    public static Command Create(CliContext context)
    {
        var to = new Option<string?>("--to") { Description = "PostgreSQL: the new data directory (absent or empty)." };
        var targetTime = new Option<string?>("--target-time") { Description = "PostgreSQL: recover up to this time (ISO 8601; UTC when no offset is given)." };
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
            var (session, code) = await BackupCliSession.OpenAsync(parse, context, ct);
            if (session is null)
            {
                return code;
            }

            await using (session)
            {
                try
                {
                    if (session.Db.Engine == DbEngine.MariaDb)
                    {
                        var maria = new MariaDbBackups(session.Db, session.Config, session.Boot.Identity, session.Store, session.Processes, TimeProvider.System, session.Loggers);
                        var dump = await maria.Restorer(parse.GetValue(prefix)).RestoreAsync(parse.GetValue(backupId), maria.MariaDb, ct);
                        await context.Out.WriteLineAsync($"restored dump {dump.Id} ({BackupListCommand.Size(dump.SqlBytes)} of SQL) into {maria.MariaDb.Host}:{maria.MariaDb.Port}");
                        return (int)ExitCode.Ok;
                    }

                    if (parse.GetValue(to) is not { } directory)
                    {
                        await context.Error.WriteLineAsync("backup restore: --to DIR is required for PostgreSQL");
                        return (int)ExitCode.Usage;
                    }

                    if (!TryTarget(parse.GetValue(targetTime), parse.GetValue(targetLsn), out var target, out var error))
                    {
                        await context.Error.WriteLineAsync($"backup restore: {error}");
                        return (int)ExitCode.Usage;
                    }

                    var backups = new PostgresBackups(session.Db, session.Config, session.Boot.Identity, session.Store, session.Processes, TimeProvider.System, session.Loggers);
                    var osUser = OsUser.Find(parse.GetValue(owner) ?? backups.Postgres.OsUser);
                    backups.WriteSettings();
                    var other = parse.GetValue(prefix);
                    var manifest = await backups.Restorer(other).RestoreAsync(new RestoreRequest
                    {
                        TargetDirectory = directory,
                        Target = target!,
                        BackupId = parse.GetValue(backupId),
                        RestoreCommand = PostgresBackups.RestoreCommand(backups.SettingsPath, other),
                        Owner = osUser,
                    }, ct);
                    await context.Out.WriteLineAsync($"restored base backup {manifest.Id} into {Path.GetFullPath(directory)}; recovery target {target}");
                    await context.Out.WriteLineAsync("start PostgreSQL on it to replay the archived WAL (recovery.signal and the settings are in place)");
                    return (int)ExitCode.Ok;
                }
                catch (Exception ex) when (ex is InvalidOperationException or InvalidDataException or IOException)
                {
                    await context.Error.WriteLineAsync($"backup restore failed: {ex.Message}");
                    return (int)ExitCode.OperationFailed;
                }
            }
        });
        return command;
    }

    internal static bool TryTarget(string? time, string? lsn, out RecoveryTarget? target, out string error)
    {
        target = RecoveryTarget.Latest;
        error = string.Empty;
        if (time is not null && lsn is not null)
        {
            error = "--target-time and --target-lsn are mutually exclusive";
            return false;
        }

        if (time is not null)
        {
            if (!DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            {
                error = $"--target-time '{time}' is not a time such as 2025-01-31T23:59:59Z";
                return false;
            }

            target = RecoveryTarget.AtTime(at);
        }
        else if (lsn is not null)
        {
            if (!Lsn.TryParse(lsn, out var location))
            {
                error = $"--target-lsn '{lsn}' is not a WAL location such as 0/3000060";
                return false;
            }

            target = RecoveryTarget.AtLsn(location);
        }

        return true;
    }
}
