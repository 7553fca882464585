using System.Net.Sockets;
using System.Text;

namespace NodeAgent.Postgres;

/// <summary>
/// The wal-push side of the agent's local socket: one line <c>PUSH /abs/path</c>, one line back. Null when no agent
/// answers (no socket, refused, or the connection dropped before a reply), so the caller archives in-process instead;
/// that is safe because a push is idempotent.
/// </summary>
public static class WalSocketClient
{
    public static async Task<WalSocketReply?> TryPushAsync(string socketPath, string fullPath, CancellationToken cancellationToken)
    {
        if (!File.Exists(socketPath))
        {
            return null;
        }

        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            await stream.WriteAsync(Encoding.UTF8.GetBytes($"PUSH {fullPath}\n"), cancellationToken);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var line = await reader.ReadLineAsync(cancellationToken);
            return line is null ? null : WalSocketReply.Parse(line);
        }
        catch (SocketException)
        {
            return null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
