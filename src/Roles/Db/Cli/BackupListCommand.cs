using System.CommandLine;
using System.Globalization;
using NodeAgent.Cli;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.MariaDb;
using NodeAgent.Roles.Db.Postgres;

namespace NodeAgent.Roles.Db.Cli;

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
                    var backups = new PostgresBackups(session.Db, session.Config, session.Boot.Identity, session.Store, session.Processes, TimeProvider.System, session.Loggers);
                    var entries = await backups.Catalog(parse.GetValue(prefix)).ListAsync(ct);
                    if (parse.GetValue(json))
                    {
                        await WriteJsonLinesAsync(output, entries.Where(e => e.Complete).Select(e => e.Manifest!.ToJsonBytes()));
                        return (int)ExitCode.Ok;
                    }

                    await output.WriteLineAsync(Header("TAR", "WAL"));
                    foreach (var e in entries)
                    {
                        await output.WriteLineAsync(e.Manifest is { } m
                            ? CompleteRow(e.Id, m.StartTime, m.StopTime, m.StoredBytes, m.TarBytes, $"{m.StartWal}..{m.StopWal}")
                            : IncompleteRow(e.Id, e.StoredBytes));
                    }
                }
                else
                {
                    var backups = new MariaDbBackups(session.Db, session.Config, session.Boot.Identity, session.Store, session.Processes, TimeProvider.System, session.Loggers);
                    var entries = await backups.Catalog(parse.GetValue(prefix)).ListAsync(ct);
                    if (parse.GetValue(json))
                    {
                        await WriteJsonLinesAsync(output, entries.Where(e => e.Complete).Select(e => e.Manifest!.ToJsonBytes()));
                        return (int)ExitCode.Ok;
                    }

                    await output.WriteLineAsync(Header("SQL", "BINLOG"));
                    foreach (var e in entries)
                    {
                        await output.WriteLineAsync(e.Manifest is { } m
                            ? CompleteRow(e.Id, m.StartTime, m.StopTime, m.StoredBytes, m.SqlBytes, $"{m.BinlogFile}:{m.BinlogPosition}")
                            : IncompleteRow(e.Id, e.StoredBytes));
                    }
                }

                return (int)ExitCode.Ok;
            }
        });
        return command;
    }

    /// <summary>One manifest per line (the JSON of a manifest may be indented: its line breaks are removed).</summary>
    private static async Task WriteJsonLinesAsync(TextWriter output, IEnumerable<byte[]> manifests)
    {
        foreach (var manifest in manifests)
        {
            await output.WriteLineAsync(System.Text.Encoding.UTF8.GetString(manifest).ReplaceLineEndings(string.Empty));
        }
    }

    private static string Header(string sizeColumn, string positionColumn)
        => $"{"ID",-20} {"STATUS",-10} {"START (UTC)",-20} {"SECONDS",8} {"STORED",12} {sizeColumn,12}  {positionColumn}";

    private static string CompleteRow(string id, DateTimeOffset start, DateTimeOffset stop, long stored, long size, string position)
        => $"{id,-20} {"complete",-10} {start.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),-20} "
           + $"{(stop - start).TotalSeconds,8:0.0} {Size(stored),12} {Size(size),12}  {position}";

    private static string IncompleteRow(string id, long stored) => $"{id,-20} {"incomplete",-10} {"",-20} {"",8} {Size(stored),12} {"",12}";

    internal static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.00} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0.0} KiB",
        _ => $"{bytes} B",
    };
}
