using System.Net;

namespace NodeAgent.Roles.Lb.Haproxy;

/// <summary>
/// HAProxy's runtime API as the lb role uses it: the stats socket (level admin) of the current worker for servers, and
/// the master CLI for reloads and process state. Our interface, so membership logic is tested against a fake and for
/// real against HAProxy 2.6.
/// </summary>
public interface IHaproxyRuntime
{
    /// <summary>The raw <c>show servers state</c> text (what the server-state file holds).</summary>
    Task<string> DumpServersStateAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<ServerState>> ShowServersStateAsync(CancellationToken cancellationToken);

    /// <summary>Every server's counters (<c>show stat</c>), for rollout gates.</summary>
    Task<IReadOnlyList<ServerStats>> ShowStatAsync(CancellationToken cancellationToken);

    /// <summary>Current sessions per server, keyed <c>backend/server</c>.</summary>
    Task<IReadOnlyDictionary<string, int>> CurrentSessionsAsync(CancellationToken cancellationToken);

    /// <summary><c>add server</c>; the server starts in maintenance with checks off.</summary>
    Task AddServerAsync(string backend, string name, IReadOnlyList<string> arguments, CancellationToken cancellationToken);

    Task EnableHealthAsync(string backend, string name, CancellationToken cancellationToken);

    Task EnableServerAsync(string backend, string name, CancellationToken cancellationToken);

    /// <summary><c>set server … state ready|drain|maint</c>.</summary>
    Task SetStateAsync(string backend, string name, string state, CancellationToken cancellationToken);

    Task ShutdownSessionsAsync(string backend, string name, CancellationToken cancellationToken);

    /// <summary><c>del server</c>; false when HAProxy refuses because connections remain (try again later).</summary>
    Task<bool> TryDeleteServerAsync(string backend, string name, CancellationToken cancellationToken);

    Task SetAddressAsync(string backend, string name, IPAddress address, int port, CancellationToken cancellationToken);

    /// <summary>The pid of the worker answering on the stats socket (<c>show info</c>).</summary>
    Task<int> WorkerPidAsync(CancellationToken cancellationToken);

    /// <summary>The master's <c>show proc</c>.</summary>
    Task<MasterState> ShowProcAsync(CancellationToken cancellationToken);

    /// <summary>The master's <c>reload</c> (re-exec with the new config; old workers finish, as with <c>-sf</c>).</summary>
    Task ReloadAsync(CancellationToken cancellationToken);
}
