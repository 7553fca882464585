using System.CommandLine;
using System.Globalization;
using NodeAgent.Cli;
using NodeAgent.Hosting;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Engines;

namespace NodeAgent.Roles.Db.Cli;

/// <summary><c>nodeagent backup list</c>: every backup under the prefix, oldest first, complete or not.</summary>
public static class BackupListCommand
{
    public static Command Create(CliContext context, Func<DbSection, IDbEngine> engineFor)
    {
        var prefix = BackupCommand.PrefixOption();
        var json = new Option<bool>("--json") { Description = "One JSON manifest per line (complete backups only)." };
        var command = new Command("list", "List base backups (PostgreSQL) or dumps (MariaDB), oldest first.") { prefix, json };
        command.SetAction(async (parse, ct) =>
        {
            var (session, code) = await BackupCliSession.OpenAsync(parse, context, engineFor, ct);
            if (session is null)
            {
                return code;
            }

            await using (session)
            {
                var listing = await session.Backups.ListAsync(parse.GetValue(prefix), ct);
                await (parse.GetValue(json) ? WriteJsonLinesAsync(context.Out, listing) : WriteTableAsync(context.Out, listing));
                return (int)ExitCode.Ok;
            }
        });
        return command;
    }

    /// <summary>One manifest per line, complete backups only (the JSON of a manifest may be indented: its line breaks are removed).</summary>
    private static async Task WriteJsonLinesAsync(TextWriter output, BackupListing listing)
    {
        foreach (var details in listing.Entries.Select(e => e.Details).OfType<BackupDetails>())
        {
            await output.WriteLineAsync(System.Text.Encoding.UTF8.GetString(details.Manifest).ReplaceLineEndings(string.Empty));
        }
    }

    /// <summary>One header, then a row per backup, for every engine.</summary>
    private static async Task WriteTableAsync(TextWriter output, BackupListing listing)
    {
        await output.WriteLineAsync(Header(listing.SizeColumn, listing.PositionColumn));
        foreach (var e in listing.Entries)
        {
            await output.WriteLineAsync(e.Details is { } d
                ? CompleteRow(e.Id, d.StartTime, d.StopTime, d.StoredBytes, d.SourceBytes, d.Position)
                : IncompleteRow(e.Id, e.StoredBytes));
        }

        foreach (var note in listing.Notes)
        {
            await output.WriteLineAsync(note);
        }
    }

    private static string Header(string sizeColumn, string positionColumn)
        => $"{"ID",-20} {"STATUS",-10} {"START (UTC)",-20} {"SECONDS",8} {"STORED",12} {sizeColumn,12}  {positionColumn}";

    private static string CompleteRow(string id, DateTimeOffset start, DateTimeOffset stop, long stored, long size, string position)
        => $"{id,-20} {"complete",-10} {start.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),-20} "
           + $"{(stop - start).TotalSeconds,8:0.0} {Size(stored),12} {Size(size),12}  {position}";

    private static string IncompleteRow(string id, long stored) => $"{id,-20} {"incomplete",-10} {"",-20} {"",8} {Size(stored),12} {"",12}";

    private static string Size(long bytes) => ByteSize.Format(bytes);
}
