using System.CommandLine;
using Microsoft.Extensions.Logging;
using NodeAgent.Cli;
using NodeAgent.Hosting;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Backup.Encryption;
using NodeAgent.Roles.Db.Postgres;

namespace NodeAgent.Roles.Db.Cli;

/// <summary>
/// <c>nodeagent wal-push %p</c>, PostgreSQL's archive_command: exit 0 only once the file is durable in S3. Hands the file
/// to the running agent over its local socket when there is one (warm process, look-ahead uploads), else archives it
/// in this process. Exit 9 when a different file is already archived under the name, 1 on any other failure
/// (PostgreSQL keeps the segment and retries).
/// </summary>
public static class WalPushCommand
{
    /// <summary>
    /// The lean start: PostgreSQL runs exactly <c>wal-push [--config FILE] PATH</c> once per segment, so that shape is
    /// recognised before the command tree is built (anything else goes through the normal parser).
    /// </summary>
    public static bool TryParseFast(string[] args, out string configPath, out string path)
    {
        configPath = ArchiveConfigWriter.DefaultPath;
        path = string.Empty;
        switch (args)
        {
            case ["wal-push", var p] when !p.StartsWith('-'):
                path = p;
                return true;
            case ["wal-push", "--config", var c, var p] when !p.StartsWith('-') && !c.StartsWith('-'):
                configPath = c;
                path = p;
                return true;
            default:
                return false;
        }
    }

    public static Command Create(CliContext context)
    {
        var config = ArchiveOptions.Config();
        var path = new Argument<string>("PATH") { Description = "The file to archive (%p: relative to the data directory)." };
        var command = new Command("wal-push", "Archive one WAL file to S3 (PostgreSQL archive_command).") { config, path };
        command.SetAction((parse, ct) => RunAsync(context, parse.GetValue(config)!, parse.GetValue(path)!, ct));
        return command;
    }

    public static async Task<int> RunAsync(CliContext context, string configPath, string path, CancellationToken cancellationToken)
    {
        try
        {
            var full = Path.GetFullPath(path);
            if (WalSocketClient.TryPush(ArchiveConfigWriter.SocketNextTo(Path.GetFullPath(configPath)), full) is { } reply)
            {
                if (!reply.Ok)
                {
                    await context.Error.WriteLineAsync($"nodeagent wal-push: {path} NOT archived: {reply.Message}");
                }

                return reply.Ok ? (int)ExitCode.Ok : reply.Conflict ? (int)ExitCode.ArchiveConflict : (int)ExitCode.Failure;
            }

            var logger = new TextWriterLogger(context.Error, "nodeagent wal-push", LogLevel.Warning);
            var settings = ArchiveSettings.Load(configPath);
            var store = ArchiveStore.Create(settings, logger);
            var cipher = BackupCiphers.Create(settings.Encryption?.ToConfig(), settings.ToAwsSection(), logger);
            var pusher = new WalPusher(store, new ArchiveLayout(settings.Prefix), settings.DataDir, settings.CompressionLevel, logger, cipher);
            await pusher.PushAsync(full, cancellationToken);
            return (int)ExitCode.Ok;
        }
        catch (ArchiveConflictException ex)
        {
            await context.Error.WriteLineAsync($"nodeagent wal-push: CONFLICT: {ex.Message}");
            return (int)ExitCode.ArchiveConflict;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await context.Error.WriteLineAsync($"nodeagent wal-push: {path} NOT archived: {ex.Message}");
            return (int)ExitCode.Failure;
        }
    }
}
