using System.CommandLine;
using System.Globalization;
using NodeAgent.Configuration;
using NodeAgent.MariaDb;
using NodeAgent.Postgres;

namespace NodeAgent.Cli;

/// <summary><c>nodeagent backup list</c>: every backup under the prefix, oldest first, complete or not.</summary>
public static class BackupListCommand
{
    public static Command Create(CliContext context)
    {
        var prefix = BackupCommand.PrefixOption();
        var json = new Option<bool>("--json") { Description = "One JSON manifest per line (complete backups only)." };
        var command = new Command("list", "List base backups (PostgreSQL) or dumps (MariaDB), oldest first.") { prefix, json };
        command.SetAction(async (parse, ct) =>
        {
            var (session, code) = await BackupCliSession.OpenAsync(parse, context, ct);
            if (session is null)
            {
                return code;
            }

            await using (session)
            {
                var output = context.Out;
                if (session.Db.Engine == DbEngine.PostgreSql)
                {
                    var backups = new PostgresBackups(session.Config, session.Boot.Identity, session.Store, session.Processes, TimeProvider.System, session.Loggers);
                    var entries = await backups.Catalog(parse.GetValue(prefix)).ListAsync(ct);
                    if (parse.GetValue(json))
                    {
                        foreach (var e in entries.Where(e => e.Complete))
                        {
                            await output.WriteLineAsync(System.Text.Encoding.UTF8.GetString(e.Manifest!.ToJsonBytes()).ReplaceLineEndings(string.Empty));
                        }

                        return (int)ExitCode.Ok;
                    }

                    await output.WriteLineAsync($"{"ID",-20} {"STATUS",-10} {"START (UTC)",-20} {"SECONDS",8} {"STORED",12} {"TAR",12}  WAL");
                    foreach (var e in entries)
                    {
                        var m = e.Manifest;
                        await output.WriteLineAsync(m is null
                            ? $"{e.Id,-20} {"incomplete",-10} {"",-20} {"",8} {Size(e.StoredBytes),12} {"",12}"
                            : $"{e.Id,-20} {"complete",-10} {m.StartTime.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),-20} "
                              + $"{(m.StopTime - m.StartTime).TotalSeconds,8:0.0} {Size(m.StoredBytes),12} {Size(m.TarBytes),12}  {m.StartWal}..{m.StopWal}");
                    }
                }
                else
                {
                    var backups = new MariaDbBackups(session.Config, session.Boot.Identity, session.Store, session.Processes, TimeProvider.System, session.Loggers);
                    var entries = await backups.Catalog(parse.GetValue(prefix)).ListAsync(ct);
                    if (parse.GetValue(json))
                    {
                        foreach (var e in entries.Where(e => e.Complete))
                        {
                            await output.WriteLineAsync(System.Text.Encoding.UTF8.GetString(e.Manifest!.ToJsonBytes()).ReplaceLineEndings(string.Empty));
                        }

                        return (int)ExitCode.Ok;
                    }

                    await output.WriteLineAsync($"{"ID",-20} {"STATUS",-10} {"START (UTC)",-20} {"SECONDS",8} {"STORED",12} {"SQL",12}  BINLOG");
                    foreach (var e in entries)
                    {
                        var m = e.Manifest;
                        await output.WriteLineAsync(m is null
                            ? $"{e.Id,-20} {"incomplete",-10} {"",-20} {"",8} {Size(e.StoredBytes),12} {"",12}"
                            : $"{e.Id,-20} {"complete",-10} {m.StartTime.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),-20} "
                              + $"{(m.StopTime - m.StartTime).TotalSeconds,8:0.0} {Size(m.StoredBytes),12} {Size(m.SqlBytes),12}  {m.BinlogFile}:{m.BinlogPosition}");
                    }
                }

                return (int)ExitCode.Ok;
            }
        });
        return command;
    }

    internal static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.00} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0.0} KiB",
        _ => $"{bytes} B",
    };
}
