using System.Net;

namespace NodeAgent.Roles.Lb.Haproxy;

/// <summary>
/// One web node serving one app, as an HAProxy server: backend <c>be_&lt;app&gt;</c>, server name = node id (safe
/// characters only), address and port, and a numeric id that stays the same across reloads so the server-state file
/// matches.
/// </summary>
public sealed record HaproxyServer(string App, string Name, IPAddress Address, int Port, int Id)
{
    public ServerKey Key => new(App, Name);

    public string Backend => Key.Backend;

    /// <summary><c>be_&lt;app&gt;/node</c>, as the runtime API names the server.</summary>
    public string Path => Key.Path;

    public string Endpoint => Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
        ? $"[{Address}]:{Port}"
        : $"{Address}:{Port}";

    public bool SameTarget(HaproxyServer other) => Address.Equals(other.Address) && Port == other.Port;
}
