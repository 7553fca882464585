using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.Roles.Db.Backup;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>
/// The agent's side of wal-push: a Unix socket next to the archive settings (mode 0660, group of the database's OS user)
/// on which the short-lived <c>nodeagent wal-push</c> hands over the path of a WAL file, and the warm agent compresses
/// and uploads it (with look-ahead) and answers <c>OK</c>, <c>CONFLICT …</c> or <c>ERROR …</c>. Only plain files
/// directly inside the cluster's pg_wal with WAL file names are accepted, so the socket cannot be used to upload other
/// files.
/// <para>
/// <c>FETCH NAME /abs/path</c> serves restore_command (<c>nodeagent wal-fetch</c>, <c>nodeagent-wal-push --fetch</c>):
/// the warm agent restores the file (verified, atomically, handed to the database's OS user) and answers <c>OK</c> or
/// <c>MISSING</c>, then refills its prefetch window. Only destinations directly in the cluster's pg_wal are served;
/// anything else is <c>DECLINE</c>d and the client restores it in its own process.
/// </para>
/// <para>
/// <c>BACKUP</c> runs a full base backup in the agent (warm code, reused S3 connections) for <c>nodeagent backup push</c>
/// and answers <c>OK</c> with the manifest once it is complete. Only root or the agent's own user may ask (checked with
/// the peer's credentials), not the database's group that may push WAL.
/// </para>
/// </summary>
public sealed partial class WalArchiveServer(
    string socketPath, string dataDir, WalLookahead lookahead, OsUser? group, ILogger<WalArchiveServer> logger,
    Func<CancellationToken, Task<BaseBackupManifest>>? backup = null, WalFetcher? fetcher = null)
    : BackgroundService
{
    /// <summary>The request that asks the agent for a full base backup.</summary>
    public const string BackupRequest = "BACKUP";

    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    private readonly string _walDir = Path.GetFullPath(Path.Combine(dataDir, "pg_wal"));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(socketPath)!);
        File.Delete(socketPath);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        UnixModes.Set(socketPath, UnixModes.GroupReadWrite);
        if (group is not null && PosixOwnership.IsRoot)
        {
            PosixOwnership.Chown(socketPath, 0, group.Gid);
        }

        listener.Listen(64);
        LogListening(logger, socketPath);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var client = await listener.AcceptAsync(stoppingToken);
                // Started inline: a request whose look-ahead upload is done is answered without another thread hop
                // (PostgreSQL waits for every answer); anything that has to wait continues asynchronously.
                _ = HandleAsync(client, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: wal-push falls back to archiving in its own process.
        }
        finally
        {
            File.Delete(socketPath);
        }
    }

    private async Task HandleAsync(Socket client, CancellationToken cancellationToken)
    {
        using (client)
        {
            await using var stream = new NetworkStream(client, ownsSocket: false);
            WalSocketReply reply;
            try
            {
                using var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true);
                var line = await reader.ReadLineAsync(cancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
                reply = line == BackupRequest ? await BackupAsync(client, cancellationToken)
                    : line?.StartsWith("FETCH ", StringComparison.Ordinal) == true ? await FetchAsync(line, cancellationToken)
                    : await AnswerAsync(line, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex)
            {
                LogRequestFailed(logger, ex);
                reply = new WalSocketReply(false, false, ex.Message);
            }

            try
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes(reply.ToLine()), cancellationToken);
            }
            catch (IOException ex)
            {
                // wal-push went away (killed, or PostgreSQL stopped); it will ask again.
                LogReplyLost(logger, ex);
            }
        }
    }

    private async Task<WalSocketReply> BackupAsync(Socket client, CancellationToken cancellationToken)
    {
        if (backup is null)
        {
            return new WalSocketReply(false, false, "this agent does not take base backups");
        }

        var credentials = new byte[12];
        var uid = client.GetRawSocketOption(SolSocket, SoPeerCred, credentials) == credentials.Length ? BitConverter.ToInt32(credentials, 4) : -1;
        if (uid != 0 && uid != PosixOwnership.EffectiveUid)
        {
            return new WalSocketReply(false, false, $"uid {uid} may not ask for a base backup (root or the agent's user only)");
        }

        LogBackupRequested(logger, uid);
        var manifest = await backup(cancellationToken);
        return new WalSocketReply(true, false, System.Text.Encoding.UTF8.GetString(manifest.ToJsonBytes()));
    }

    private async Task<WalSocketReply> FetchAsync(string line, CancellationToken cancellationToken)
    {
        var parts = line.Split(' ', 3);
        if (fetcher is null || parts.Length != 3 || !WalFileName.TryParse(parts[1], out _) || !parts[2].StartsWith('/'))
        {
            return new WalSocketReply(false, false, fetcher is null ? "this agent does not serve wal-fetch" : "expected 'FETCH NAME /absolute/path'") { Declined = true };
        }

        var destination = Path.GetFullPath(parts[2]);
        if (!string.Equals(Path.GetDirectoryName(destination), _walDir, StringComparison.Ordinal) || Directory.Exists(destination)
            || new FileInfo(destination).LinkTarget is not null)
        {
            return new WalSocketReply(false, false, $"{destination} is not a file directly in {_walDir}") { Declined = true };
        }

        var result = await fetcher.FetchAsync(parts[1], destination, cancellationToken);
        if (result == WalFetchResult.NotFound)
        {
            return new WalSocketReply(false, false, $"{parts[1]} is not in the archive") { Missing = true };
        }

        Own(destination);
        return new WalSocketReply(true, false, result.ToString());
    }

    /// <summary>Files the agent (root) writes where PostgreSQL reads, moves and removes them go to the database's OS user.</summary>
    public void Own(string path)
    {
        if (group is not null && PosixOwnership.IsRoot)
        {
            PosixOwnership.Chown(path, group.Uid, group.Gid);
        }
    }

    private async Task<WalSocketReply> AnswerAsync(string? line, CancellationToken cancellationToken)
    {
        if (line is null || !line.StartsWith("PUSH /", StringComparison.Ordinal))
        {
            return new WalSocketReply(false, false, "expected 'PUSH /absolute/path'");
        }

        var path = Path.GetFullPath(line[5..]);
        if (!string.Equals(Path.GetDirectoryName(path), _walDir, StringComparison.Ordinal)
            || !WalFileName.TryParse(Path.GetFileName(path), out _))
        {
            return new WalSocketReply(false, false, $"{path} is not a WAL file in {_walDir}");
        }

        var info = new FileInfo(path);
        if (!info.Exists || info.LinkTarget is not null)
        {
            return new WalSocketReply(false, false, $"{path} is not a regular file");
        }

        try
        {
            var result = await lookahead.PushAsync(path, cancellationToken);
            return new WalSocketReply(true, false, result.ToString());
        }
        catch (ArchiveConflictException ex)
        {
            LogConflict(logger, ex.Message);
            return new WalSocketReply(false, true, ex.Message);
        }
    }

    [LoggerMessage(EventId = 6030, Level = LogLevel.Information, Message = "wal-push socket listening on {Path}")]
    private static partial void LogListening(ILogger logger, string path);

    [LoggerMessage(EventId = 6031, Level = LogLevel.Error, Message = "wal-push request failed")]
    private static partial void LogRequestFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6032, Level = LogLevel.Error, Message = "Archive conflict: {Message}")]
    private static partial void LogConflict(ILogger logger, string message);

    [LoggerMessage(EventId = 6034, Level = LogLevel.Information, Message = "Base backup requested over the socket by uid {Uid}")]
    private static partial void LogBackupRequested(ILogger logger, int uid);

    [LoggerMessage(EventId = 6033, Level = LogLevel.Debug, Message = "wal-push left before its answer")]
    private static partial void LogReplyLost(ILogger logger, Exception exception);
}
