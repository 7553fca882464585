using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NodeAgent.Roles.Lb.Haproxy;

/// <summary>
/// <see cref="IHaproxyRuntime"/> over HAProxy's UNIX sockets, one connection per command (non-interactive mode: send
/// the command line, read the answer to EOF). Every call is bounded by a timeout.
/// </summary>
public sealed class HaproxySocketRuntime(HaproxyPaths paths) : IHaproxyRuntime
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(5);

    public Task<string> DumpServersStateAsync(CancellationToken cancellationToken)
        => SendAsync(paths.AdminSocket, "show servers state", cancellationToken);

    public async Task<IReadOnlyList<ServerState>> ShowServersStateAsync(CancellationToken cancellationToken)
        => HaproxyOutputParser.ServersState(await DumpServersStateAsync(cancellationToken));

    public async Task<IReadOnlyList<ServerStats>> ShowStatAsync(CancellationToken cancellationToken)
        => HaproxyOutputParser.ServerStats(await SendAsync(paths.AdminSocket, "show stat -1 4 -1", cancellationToken));

    public async Task<IReadOnlyDictionary<string, int>> CurrentSessionsAsync(CancellationToken cancellationToken)
        => HaproxyOutputParser.CurrentSessions(await SendAsync(paths.AdminSocket, "show stat -1 4 -1", cancellationToken));

    public async Task AddServerAsync(string backend, string name, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
        => await ExpectAsync($"add server {backend}/{name} {string.Join(' ', arguments)}", "New server registered.", cancellationToken);

    public Task EnableHealthAsync(string backend, string name, CancellationToken cancellationToken)
        => ExpectAsync($"enable health {backend}/{name}", string.Empty, cancellationToken);

    public Task EnableServerAsync(string backend, string name, CancellationToken cancellationToken)
        => ExpectAsync($"enable server {backend}/{name}", string.Empty, cancellationToken);

    public Task SetStateAsync(string backend, string name, string state, CancellationToken cancellationToken)
        => state is "ready" or "drain" or "maint"
            ? ExpectAsync($"set server {backend}/{name} state {state}", string.Empty, cancellationToken)
            : throw new ArgumentOutOfRangeException(nameof(state), state, "expected ready, drain or maint");

    public Task ShutdownSessionsAsync(string backend, string name, CancellationToken cancellationToken)
        => ExpectAsync($"shutdown sessions server {backend}/{name}", string.Empty, cancellationToken);

    public async Task<bool> TryDeleteServerAsync(string backend, string name, CancellationToken cancellationToken)
    {
        var command = $"del server {backend}/{name}";
        var answer = (await SendAsync(paths.AdminSocket, command, cancellationToken)).Trim();
        return answer switch
        {
            "Server deleted." => true,
            _ when answer.Contains("connection", StringComparison.OrdinalIgnoreCase) || answer.Contains("queue", StringComparison.OrdinalIgnoreCase) => false,
            _ => throw new HaproxyCommandException(command, answer),
        };
    }

    public async Task SetAddressAsync(string backend, string name, IPAddress address, int port, CancellationToken cancellationToken)
    {
        var command = $"set server {backend}/{name} addr {address} port {port.ToString(CultureInfo.InvariantCulture)}";
        var answer = (await SendAsync(paths.AdminSocket, command, cancellationToken)).Trim();
        if (!answer.Contains("changed", StringComparison.Ordinal) && !answer.Contains("no need to change", StringComparison.Ordinal))
        {
            throw new HaproxyCommandException(command, answer);
        }
    }

    public async Task<int> WorkerPidAsync(CancellationToken cancellationToken)
    {
        var info = await SendAsync(paths.AdminSocket, "show info", cancellationToken);
        var line = info.Split('\n').FirstOrDefault(l => l.StartsWith("Pid:", StringComparison.Ordinal))
                   ?? throw new HaproxyCommandException("show info", info.Trim());
        return int.Parse(line[4..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
    }

    public async Task<MasterState> ShowProcAsync(CancellationToken cancellationToken)
        => HaproxyOutputParser.ShowProc(await SendAsync(paths.MasterSocket, "show proc", cancellationToken));

    public async Task ReloadAsync(CancellationToken cancellationToken)
        => await SendAsync(paths.MasterSocket, "reload", cancellationToken);

    private async Task ExpectAsync(string command, string expected, CancellationToken cancellationToken)
    {
        var answer = (await SendAsync(paths.AdminSocket, command, cancellationToken)).Trim();
        if (answer != expected)
        {
            throw new HaproxyCommandException(command, answer);
        }
    }

    /// <summary>
    /// One command, answered to EOF, on the calling thread with blocking socket calls. HAProxy answers a local socket in
    /// microseconds, and the membership tick sends two commands every second: done asynchronously, every connect, send
    /// and receive hopped between the socket-event thread and a pool worker, and those wake-ups were the largest share
    /// of the idle lb's CPU (docs/footprint.md). The whole exchange is bounded by <see cref="CommandTimeout"/> (each
    /// blocking call gets what is left of it); cancellation closes the socket, which ends a blocked call at once.
    /// </summary>
    private static Task<string> SendAsync(string socketPath, string command, CancellationToken cancellationToken)
    {
        if (command.Contains('\n') || command.Contains(';'))
        {
            throw new ArgumentException("a runtime API command must be a single command line", nameof(command));
        }

        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return Task.FromResult(Exchange(socketPath, command, cancellationToken));
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException($"'{command}' on {socketPath} was cancelled", ex, cancellationToken);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
        {
            throw new TimeoutException($"HAProxy did not answer '{command}' on {socketPath} within {CommandTimeout.TotalSeconds:0} s", ex);
        }
    }

    private static string Exchange(string socketPath, string command, CancellationToken cancellationToken)
    {
        var deadline = Environment.TickCount64 + (long)CommandTimeout.TotalMilliseconds;
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var cancel = cancellationToken.UnsafeRegister(static s => ((Socket)s!).Dispose(), socket);
        socket.SendTimeout = Remaining(deadline);
        socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        socket.Send(Encoding.ASCII.GetBytes(command + "\n"));

        // End of input: the master CLI answers and closes only once it sees it (the stats socket closes anyway).
        socket.Shutdown(SocketShutdown.Send);
        var answer = new StringBuilder();
        var decoder = Encoding.UTF8.GetDecoder();
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(buffer.Length));
        try
        {
            while (true)
            {
                socket.ReceiveTimeout = Remaining(deadline);
                int read;
                try
                {
                    read = socket.Receive(buffer);
                }
                catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
                {
                    read = 0;
                }

                var count = decoder.GetChars(buffer, 0, read, chars, 0, flush: read == 0);
                answer.Append(chars, 0, count);
                if (read == 0)
                {
                    return answer.ToString();
                }
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Milliseconds left until <paramref name="deadline"/>, for a blocking call's timeout (0 would mean none).</summary>
    private static int Remaining(long deadline)
    {
        var left = deadline - Environment.TickCount64;
        return left > 0 ? (int)left : throw new SocketException((int)SocketError.TimedOut);
    }
}
