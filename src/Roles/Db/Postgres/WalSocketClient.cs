using System.Runtime.InteropServices;
using System.Text;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>
/// The client side of the agent's local socket: one line (<c>PUSH /abs/path</c> for wal-push, <c>FETCH NAME /abs/path</c>
/// for wal-fetch), one line back. Null when no agent answers (no socket, refused, or the connection dropped before a
/// reply), so the caller does the work in-process instead; that is safe because a push is idempotent and a fetch
/// writes its destination atomically.
/// <para>
/// PostgreSQL starts one wal-push per segment, so this path is about start-up cost: it talks to the socket through
/// four libc calls instead of System.Net.Sockets, whose initialisation alone costs more CPU than a whole .NET hello
/// world (measured in docs/backups.md).
/// </para>
/// </summary>
public static partial class WalSocketClient
{
    private const int AfUnix = 1;
    private const int SockStream = 1;
    private const int SockCloexec = 0x80000;
    private const int SunPathLength = 108;

    public static WalSocketReply? TryPush(string socketPath, string fullPath) => TrySend(socketPath, $"PUSH {fullPath}\n");

    /// <summary>Asks the agent to restore <paramref name="name"/> from the archive to <paramref name="fullDestination"/>.</summary>
    public static WalSocketReply? TryFetch(string socketPath, string name, string fullDestination) => TrySend(socketPath, $"FETCH {name} {fullDestination}\n");

    private static WalSocketReply? TrySend(string socketPath, string line)
    {
        var path = Encoding.UTF8.GetBytes(socketPath);
        if (path.Length >= SunPathLength || !File.Exists(socketPath))
        {
            return null;
        }

        var fd = Socket(AfUnix, SockStream | SockCloexec, 0);
        if (fd < 0)
        {
            return null;
        }

        try
        {
            Span<byte> address = stackalloc byte[2 + SunPathLength];
            address.Clear();
            BitConverter.TryWriteBytes(address, (ushort)AfUnix);
            path.CopyTo(address[2..]);
            if (Connect(fd, address, address.Length) != 0)
            {
                return null;
            }

            var request = Encoding.UTF8.GetBytes(line);
            var sent = 0;
            while (sent < request.Length)
            {
                var n = Write(fd, request.AsSpan(sent), request.Length - sent);
                if (n <= 0)
                {
                    return null;
                }

                sent += (int)n;
            }

            var reply = new List<byte>(128);
            Span<byte> buffer = stackalloc byte[512];
            while (true)
            {
                var n = Read(fd, buffer, buffer.Length);
                if (n <= 0)
                {
                    return null;
                }

                var chunk = buffer[..(int)n];
                var newline = chunk.IndexOf((byte)'\n');
                reply.AddRange(newline >= 0 ? chunk[..newline] : chunk);
                if (newline >= 0)
                {
                    return WalSocketReply.Parse(Encoding.UTF8.GetString(reply.ToArray()));
                }
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    private static partial int Connect(int fd, ReadOnlySpan<byte> address, int length);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(int fd, ReadOnlySpan<byte> buffer, nint count);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int fd, Span<byte> buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
