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

    private static async Task<string> SendAsync(string socketPath, string command, CancellationToken cancellationToken)
    {
        if (command.Contains('\n') || command.Contains(';'))
        {
            throw new ArgumentException("a runtime API command must be a single command line", nameof(command));
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CommandTimeout);
        try
        {
            return await ExchangeAsync(socketPath, command, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"HAProxy did not answer '{command}' on {socketPath} within {CommandTimeout.TotalSeconds:0} s");
        }
    }

    private static async Task<string> ExchangeAsync(string socketPath, string command, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
        await socket.SendAsync(Encoding.ASCII.GetBytes(command + "\n"), SocketFlags.None, cancellationToken);

        // End of input: the master CLI answers and closes only once it sees it (the stats socket closes anyway).
        socket.Shutdown(SocketShutdown.Send);
        var answer = new StringBuilder();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
            {
                break;
            }

            if (read == 0)
            {
                break;
            }

            answer.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        return answer.ToString();
    }
}
