using System.Net.Sockets;
using System.Text;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>
/// <c>nodeagent backup push</c>'s way to the running agent: asks it for a base backup over its local socket
/// (<see cref="WalArchiveServer.BackupRequest"/>), so the backup runs in the warm process instead of a cold one.
/// </summary>
public static class BackupSocketClient
{
    /// <summary>
    /// Null when no agent listens (no socket, or refused): the caller takes the backup itself. Otherwise the agent's
    /// answer, which comes only after the backup completed (manifest written) or failed; a connection that drops before
    /// the answer is an error, not a reason to start a second backup.
    /// </summary>
    public static async Task<BaseBackupManifest?> TryBackupAsync(string socketPath, CancellationToken cancellationToken)
    {
        if (!File.Exists(socketPath))
        {
            return null;
        }

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
        }
        catch (SocketException)
        {
            return null;
        }

        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(Encoding.UTF8.GetBytes($"{WalArchiveServer.BackupRequest}\n"), cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var line = await reader.ReadLineAsync(cancellationToken)
            ?? throw new IOException($"the agent on {socketPath} closed the connection before the backup finished; see its log");
        var reply = WalSocketReply.Parse(line);
        return reply.Ok
            ? BaseBackupManifest.Parse(Encoding.UTF8.GetBytes(reply.Message), "the agent's reply")
            : throw new InvalidOperationException($"the agent's backup failed: {reply.Message}");
    }
}
