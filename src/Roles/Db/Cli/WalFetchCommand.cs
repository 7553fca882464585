using System.CommandLine;
using Microsoft.Extensions.Logging;
using NodeAgent.Cli;
using NodeAgent.Hosting;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Backup.Encryption;
using NodeAgent.Roles.Db.Postgres;

namespace NodeAgent.Roles.Db.Cli;

/// <summary>
/// <c>nodeagent wal-fetch %f %p</c>, PostgreSQL's restore_command. Exit 0 when the file was restored, 8 when the archive
/// does not have it (PostgreSQL takes any code from 1 to 125 as "not found"), and 200 when the archive could not be
/// read or the file is corrupt: above 125, so PostgreSQL stops recovery instead of ending it early at a gap.
/// </summary>
public static class WalFetchCommand
{
    /// <summary>
    /// The lean start, as for wal-push: PostgreSQL runs <c>wal-fetch [--config FILE] NAME PATH</c> once per segment during
    /// recovery, so that shape is recognised before the command tree is built and handed to the running agent's socket.
    /// </summary>
    public static bool TryParseFast(string[] args, out string configPath, out string name, out string destination)
    {
        (configPath, name, destination) = (ArchiveConfigWriter.DefaultPath, string.Empty, string.Empty);
        switch (args)
        {
            case ["wal-fetch", var n, var d] when !n.StartsWith('-') && !d.StartsWith('-'):
                (name, destination) = (n, d);
                return true;
            case ["wal-fetch", "--config", var c, var n, var d] when !c.StartsWith('-') && !n.StartsWith('-') && !d.StartsWith('-'):
                (configPath, name, destination) = (c, n, d);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The running agent restores the file (warm process, prefetch kept between calls); with no agent, this process does.</summary>
    public static async Task<int> RunFastAsync(CliContext context, string configPath, string name, string destination, CancellationToken cancellationToken)
    {
        try
        {
            var socket = ArchiveConfigWriter.SocketNextTo(Path.GetFullPath(configPath));
            if (WalSocketClient.TryFetch(socket, name, Path.GetFullPath(destination)) is { Declined: false } reply)
            {
                if (!reply.Ok && !reply.Missing)
                {
                    await context.Error.WriteLineAsync($"nodeagent wal-fetch: cannot restore {name}: {reply.Message}");
                }

                return reply.Ok ? (int)ExitCode.Ok : reply.Missing ? (int)ExitCode.NotInArchive : (int)ExitCode.ArchiveUnavailable;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // No usable socket: restore in this process.
        }

        return await RunAsync(context, configPath, null, name, destination, cancellationToken);
    }

    public static Command Create(CliContext context)
    {
        var config = ArchiveOptions.Config();
        var prefix = new Option<string?>("--prefix") { Description = "Read this archive prefix instead of the one in the settings (restoring another node's backup)." };
        var name = new Argument<string>("NAME") { Description = "The file PostgreSQL wants (%f)." };
        var destination = new Argument<string>("DESTINATION") { Description = "Where to write it (%p)." };
        var command = new Command("wal-fetch", "Restore one WAL file from S3 (PostgreSQL restore_command).") { config, prefix, name, destination };
        command.SetAction((parse, ct) => RunAsync(context, parse.GetValue(config)!, parse.GetValue(prefix), parse.GetValue(name)!, parse.GetValue(destination)!, ct));
        return command;
    }

    public static async Task<int> RunAsync(CliContext context, string configPath, string? prefix, string name, string destination, CancellationToken cancellationToken)
    {
        var logger = new TextWriterLogger(context.Error, "nodeagent wal-fetch", LogLevel.Warning);
        try
        {
            var settings = ArchiveSettings.Load(configPath);
            var store = ArchiveStore.Create(settings, logger);
            var cipher = BackupCiphers.Create(settings.Encryption?.ToConfig(), settings.ToAwsSection(), logger);
            var fetcher = new WalFetcher(store, new ArchiveLayout(prefix ?? settings.Prefix), settings.Prefetch, logger, cipher);
            var result = await fetcher.FetchAsync(name, destination, cancellationToken);
            return result == WalFetchResult.NotFound ? (int)ExitCode.NotInArchive : (int)ExitCode.Ok;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await context.Error.WriteLineAsync($"nodeagent wal-fetch: cannot restore {name}: {ex.Message}");
            return (int)ExitCode.ArchiveUnavailable;
        }
    }
}
