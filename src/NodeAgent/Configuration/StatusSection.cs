using System.Net;

namespace NodeAgent.Configuration;

/// <summary><c>status:</c> — the local HTTP endpoint serving /healthz and /metrics. Loopback by default.</summary>
public sealed record StatusSection
{
    /// <summary>The defaults, written once: each property's initializer.</summary>
    private static StatusSection Default => new();

    public static readonly IPEndPoint DefaultListen = new(IPAddress.Loopback, 9780);

    public IPEndPoint Listen { get; init; } = DefaultListen;

    public bool Enabled { get; init; } = true;

    public static StatusSection Read(ConfigReader r) => new()
    {
        Listen = r.EndPoint("listen", Default.Listen)!,
        Enabled = r.Bool("enabled", Default.Enabled),
    };
}
