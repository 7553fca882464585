using System.Net;

namespace NodeAgent.Configuration;

public enum DnsProviderKind
{
    Rfc2136,
    Route53,
    Exec,
}

/// <summary>
/// <c>dns:</c> — the zone this node keeps its own A record in (and, on lb nodes, the shared <c>lb</c> name), and the
/// provider that updates it.
/// </summary>
public sealed record DnsSection
{
    /// <summary>The defaults, written once: each property's initializer.</summary>
    private static DnsSection Default => new() { Zone = default! };

    public required string Zone { get; init; }

    public int Ttl { get; init; } = 60;

    /// <summary>This node's record name inside the zone. Default by role: <c>lbN</c>, <c>web-&lt;id&gt;</c>, <c>db</c>.</summary>
    public string? RecordName { get; init; }

    public DnsProviderKind Provider { get; init; }

    public Rfc2136Config? Rfc2136 { get; init; }

    public Route53Config? Route53 { get; init; }

    public ExecProviderConfig? Exec { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the node re-reads its own record and rewrites it when it differs (address change, lost record).</summary>
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromSeconds(60);

    private static readonly Dictionary<string, DnsProviderKind> Providers = new()
    {
        ["rfc2136"] = DnsProviderKind.Rfc2136,
        ["route53"] = DnsProviderKind.Route53,
        ["exec"] = DnsProviderKind.Exec,
    };

    private static readonly Dictionary<string, string> TsigAlgorithms = new()
    {
        ["hmac-sha256"] = "hmac-sha256",
        ["hmac-sha512"] = "hmac-sha512",
    };


    public static DnsSection Read(ConfigReader r)
    {
        var provider = r.Choice("provider", DnsProviderKind.Rfc2136, Providers, required: true);
        var section = new DnsSection
        {
            Zone = (r.String("zone", required: true, pattern: Names.DnsName(), patternHint: Names.DnsNameHint) ?? "invalid").TrimEnd('.'),
            Ttl = r.Int("ttl", Default.Ttl, 1, 86_400),
            RecordName = r.String("record", pattern: Names.DnsLabel(), patternHint: "a DNS label such as lb1 or web-1"),
            Provider = provider,
            Timeout = r.Duration("timeout", Default.Timeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1)),
            CheckInterval = r.Duration("check_interval", Default.CheckInterval, TimeSpan.FromSeconds(1), TimeSpan.FromHours(24)),
            Rfc2136 = r.Section("rfc2136", ReadRfc2136),
            Route53 = r.Section("route53", c => new Route53Config
            {
                HostedZoneId = c.String("hosted_zone_id", required: true, pattern: new("^[A-Z0-9]{1,32}$"), patternHint: "a hosted zone id such as Z0123456789ABC") ?? string.Empty,
                Endpoint = c.Url("endpoint", schemes: ["http", "https"]),
            }),
            Exec = r.Section("exec", c => new ExecProviderConfig
            {
                Command = c.StringList("command", required: true, max: 64, allowNewlines: true),
                Timeout = c.Duration("timeout", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10)),
            }),
        };

        var configured = new (DnsProviderKind Kind, string Key, object? Value)[]
        {
            (DnsProviderKind.Rfc2136, "rfc2136", section.Rfc2136),
            (DnsProviderKind.Route53, "route53", section.Route53),
            (DnsProviderKind.Exec, "exec", section.Exec),
        };
        foreach (var (kind, key, value) in configured)
        {
            if (kind == provider && value is null)
            {
                r.Error(key, $"is required when provider is {key}");
            }
            else if (kind != provider && value is not null)
            {
                r.Error(key, $"is set but provider is {configured.First(c => c.Kind == provider).Key}");
            }
        }

        return section;
    }

    private static Rfc2136Config ReadRfc2136(ConfigReader c)
    {
        var config = new Rfc2136Config
        {
            Server = c.Address("server", required: true) ?? IPAddress.Loopback,
            Port = c.Int("port", 53, 1, 65535),
            KeyName = c.String("key_name", required: true, pattern: Names.DnsName(), patternHint: Names.DnsNameHint) ?? string.Empty,
            KeyAlgorithm = c.Choice("key_algorithm", "hmac-sha256", TsigAlgorithms),
            KeySecret = c.Secret("key_secret", required: true) ?? SecretValue.Literal(string.Empty),
        };

        // A literal secret can be checked now; file and env secrets are checked when first used.
        if (config.KeySecret is { File: null, Environment: null } literal && literal.Reveal().Length > 0
            && !Convert.TryFromBase64String(literal.Reveal(), new byte[literal.Reveal().Length], out _))
        {
            c.Error("key_secret", "expected the base64 secret that tsig-keygen prints");
        }

        return config;
    }
}

public sealed record Rfc2136Config
{
    public required IPAddress Server { get; init; }

    public int Port { get; init; } = 53;

    public required string KeyName { get; init; }

    public string KeyAlgorithm { get; init; } = "hmac-sha256";

    public required SecretValue KeySecret { get; init; }
}

public sealed record Route53Config
{
    public required string HostedZoneId { get; init; }

    /// <summary>Overrides https://route53.amazonaws.com (for a stand-in in tests).</summary>
    public Uri? Endpoint { get; init; }
}

public sealed record ExecProviderConfig
{
    /// <summary>Program and fixed arguments; the agent appends the operation's arguments (see docs/dns.md).</summary>
    public required IReadOnlyList<string> Command { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
}
