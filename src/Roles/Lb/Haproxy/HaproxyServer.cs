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

    /// <summary>Why this server may not be written into HAProxy's config or <c>membership.json</c>; null when it may.
    /// The same kernel validators as the registry: names anchored and ASCII, a canonical address, a real port and id.</summary>
    public string? Problem() => this switch
    {
        _ when !NodeAgent.Configuration.Names.IsApp(App) => $"app '{NodeAgent.Configuration.SafeText.Escape(App)}' is not an app name",
        _ when !NodeAgent.Configuration.Names.IsNodeId(Name) => $"server name '{NodeAgent.Configuration.SafeText.Escape(Name)}' is not a node id",
        _ when Address is null || !NodeAgent.Configuration.Addresses.IsAddress(Address.ToString()) => "address is not an IP address",
        _ when Port is < 1 or > 65535 => $"port {Port} is outside 1-65535",
        _ when Id is < 1 or > 1_000_000 => $"id {Id} is outside 1-1000000",
        _ => null,
    };
}
