using System.Net;

namespace NodeAgent.Roles.Lb.Haproxy;

/// <summary>
/// One web node serving one app, as an HAProxy server: backend <c>be_&lt;app&gt;</c>, server name = node id (safe
/// characters only), address and port, and a numeric id that stays the same across reloads so the server-state file
/// matches.
/// </summary>
public sealed record HaproxyServer(string App, string Name, IPAddress Address, int Port, int Id)
{
    public string Backend => BackendName(App);

    public string Path => $"{Backend}/{Name}";

    public string Endpoint => Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
        ? $"[{Address}]:{Port}"
        : $"{Address}:{Port}";

    public static string BackendName(string app) => $"be_{app}";

    /// <summary>The app of a backend we generated, or null for any other proxy.</summary>
    public static string? AppOf(string backend) => backend.StartsWith("be_", StringComparison.Ordinal) ? backend[3..] : null;

    public bool SameTarget(HaproxyServer other) => Address.Equals(other.Address) && Port == other.Port;
}
