using System.Net;

namespace NodeAgent.Testing;

/// <summary>Where an agent under test serves its status: <c>/healthz</c> and <c>/metrics</c> on its own address, port 9780.</summary>
public static class StatusEndpoint
{
    public const int Port = 9780;

    /// <summary>The <c>status.listen</c> value for a node on <paramref name="address"/>.</summary>
    public static string Listen(IPAddress address) => $"{address}:{Port}";

    public static Uri Healthz(IPAddress address) => new($"http://{address}:{Port}/healthz");

    public static Uri Metrics(IPAddress address) => new($"http://{address}:{Port}/metrics");
}
