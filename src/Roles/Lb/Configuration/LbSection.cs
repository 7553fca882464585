using System.Net;
using NodeAgent.Configuration;
using NodeAgent.Dns.Failover;

namespace NodeAgent.Roles.Lb.Configuration;

/// <summary>
/// <c>lb:</c> — the HAProxy this node runs: frontends, host rules, backends per app, logging, which registry
/// addresses may become servers, and the pair failover settings.
/// </summary>
public sealed record LbSection : IRoleSection
{
    /// <summary>The defaults, written once: each property's initializer.</summary>
    private static LbSection Default => new() { HttpBind = default!, AllowedNetworks = default!, Backends = default! };

    public string HaproxyBinary { get; init; } = "/usr/sbin/haproxy";

    /// <summary>Where the generated config, server-state file and runtime socket live. Default: &lt;state_dir&gt;/haproxy.</summary>
    public string? HaproxyDir { get; init; }

    public required IPEndPoint HttpBind { get; init; }

    public IPEndPoint? HttpsBind { get; init; }

    /// <summary>PEM with certificate and key, for the HTTPS frontend.</summary>
    public string? Certificate { get; init; }

    /// <summary>Registry entries whose address falls outside every one of these networks never reach HAProxy.</summary>
    public required IReadOnlyList<IPNetwork> AllowedNetworks { get; init; }

    public LbLogConfig Log { get; init; } = new();

    public required IReadOnlyList<LbBackendConfig> Backends { get; init; }

    /// <summary>Backend for requests whose Host matches no rule. Default: the first backend.</summary>
    public string? DefaultBackend { get; init; }

    /// <summary>How often the registry is listed for membership changes (nudges make joins faster than this).</summary>
    public TimeSpan SyncInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A server that flapped is held out at least this long.</summary>
    public TimeSpan FlapHoldDown { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a leaving server may keep its connections before they are shut down.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How membership changes reach HAProxy: the runtime API (default, no reload) or a config reload.</summary>
    public LbApplyMode Apply { get; init; } = LbApplyMode.RuntimeApi;

    public LbFailoverConfig Failover { get; init; } = new();

    /// <summary>The pair's shared name (<c>lb.failover.name</c>), while failover is on.</summary>
    public IReadOnlyList<SharedDnsName> SharedDnsNames => Failover.Enabled ? [Failover.SharedName] : [];

    private static readonly Dictionary<string, LbApplyMode> ApplyModes = new()
    {
        ["runtime_api"] = LbApplyMode.RuntimeApi,
        ["reload"] = LbApplyMode.Reload,
    };

    public static LbSection Read(ConfigReader r)
    {
        var backends = r.List("backends", LbBackendConfig.Read, required: true, max: 200);
        foreach (var duplicate in backends.GroupBy(b => b.App).Where(g => g.Count() > 1))
        {
            r.Error("backends", $"app '{duplicate.Key}' has {duplicate.Count()} backends; one is allowed");
        }

        foreach (var shared in backends.SelectMany(b => b.Hosts.Select(h => (Host: h, b.App))).GroupBy(x => x.Host).Where(g => g.Select(x => x.App).Distinct().Count() > 1))
        {
            r.Error("backends", $"host '{shared.Key}' is routed to more than one app ({string.Join(", ", shared.Select(x => x.App).Distinct())})");
        }

        var networks = new List<IPNetwork>();
        var cidrs = r.StringList("allowed_cidrs", required: true, max: 100);
        for (var i = 0; i < cidrs.Count; i++)
        {
            if (Addresses.TryParseCidr(cidrs[i], out var network))
            {
                networks.Add(network);
            }
            else
            {
                r.Error($"allowed_cidrs[{i}]", $"expected {Addresses.CidrHint}, got '{SafeText.Escape(cidrs[i])}'");
            }
        }

        var section = new LbSection
        {
            HaproxyBinary = r.AbsolutePath("haproxy_binary", fallback: Default.HaproxyBinary)!,
            HaproxyDir = r.AbsolutePath("haproxy_dir"),
            HttpBind = r.EndPoint("http_bind", required: true) ?? new IPEndPoint(IPAddress.Loopback, 80),
            HttpsBind = r.EndPoint("https_bind"),
            Certificate = r.AbsolutePath("certificate"),
            AllowedNetworks = networks,
            Log = r.Section("log", LbLogConfig.Read) ?? new LbLogConfig(),
            Backends = backends,
            DefaultBackend = r.String("default_backend", pattern: Names.App(), patternHint: Names.AppHint),
            SyncInterval = r.Duration("sync_interval", Default.SyncInterval, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
            FlapHoldDown = r.Duration("flap_hold_down", Default.FlapHoldDown, TimeSpan.Zero, TimeSpan.FromHours(1)),
            DrainTimeout = r.Duration("drain_timeout", Default.DrainTimeout, TimeSpan.Zero, TimeSpan.FromHours(1)),
            Apply = r.Choice("apply", Default.Apply, ApplyModes),
            Failover = r.Section("failover", LbFailoverConfig.Read) ?? new LbFailoverConfig(),
        };

        if ((section.HttpsBind is null) != (section.Certificate is null))
        {
            r.Error(section.HttpsBind is null ? "https_bind" : "certificate", "https_bind and certificate must be set together");
        }

        if (section.DefaultBackend is { } name && backends.All(b => b.App != name))
        {
            r.Error("default_backend", $"names app '{name}', which has no entry under lb.backends");
        }

        return section;
    }
}

public sealed record LbBackendConfig
{
    /// <summary>The defaults, written once: each property's initializer.</summary>
    private static LbBackendConfig Default => new() { App = default! };

    public required string App { get; init; }

    /// <summary>Host header values routed to this backend.</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];

    public string Balance { get; init; } = "roundrobin";

    /// <summary>Cookie name for session affinity; unset for shared-nothing apps.</summary>
    public string? Cookie { get; init; }

    /// <summary>Port on the web nodes; default: the port the web node registers.</summary>
    public int? Port { get; init; }

    public HttpCheckConfig Check { get; init; } = new();

    private static readonly Dictionary<string, string> Algorithms = new()
    {
        ["roundrobin"] = "roundrobin",
        ["leastconn"] = "leastconn",
        ["source"] = "source",
        ["first"] = "first",
    };

    public static LbBackendConfig? Read(ConfigReader r)
    {
        var app = r.String("app", required: true, pattern: Names.App(), patternHint: Names.AppHint);
        var backend = new LbBackendConfig
        {
            App = app ?? string.Empty,
            Hosts = r.StringList("hosts", max: 100, pattern: Names.DnsName(), patternHint: Names.DnsNameHint),
            Balance = r.Choice("balance", Default.Balance, Algorithms),
            Cookie = r.String("cookie", pattern: Names.Cookie(), patternHint: Names.CookieHint),
            Port = r.OptionalInt("port", 1, 65535),
            Check = r.Section("check", HttpCheckConfig.Read) ?? new HttpCheckConfig(),
        };
        return app is null ? null : backend;
    }
}

/// <summary>Where HAProxy writes its Apache-combined access log: a file (through the agent) or a syslog server.</summary>
public sealed record LbLogConfig
{
    public string? File { get; init; }

    public IPEndPoint? Syslog { get; init; }

    public static LbLogConfig Read(ConfigReader r)
    {
        var log = new LbLogConfig { File = r.AbsolutePath("file"), Syslog = r.EndPoint("syslog") };
        if (log.File is not null && log.Syslog is not null)
        {
            r.ErrorHere("set either file or syslog, not both");
        }

        return log;
    }
}

/// <summary>The lb pair's claim on <c>lb.&lt;zone&gt;</c>: probe interval, failures before a takeover, and anti-ping-pong hold.</summary>
public sealed record LbFailoverConfig
{
    /// <summary>The defaults, written once: each property's initializer.</summary>
    private static LbFailoverConfig Default => new();

    public bool Enabled { get; init; } = true;

    public string Name { get; init; } = "lb";

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(2);

    public int Fall { get; init; } = 2;

    /// <summary>After a takeover the new holder keeps the name at least this long.</summary>
    public TimeSpan MinHold { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Lease length written in the TXT record; renewed every interval.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(15);

    public SharedDnsName SharedName => new(Name, "lb.failover.name", "the lb pair's shared name");

    /// <summary>The claim settings the kernel's shared name coordinator runs with.</summary>
    public SharedNameClaimSettings ClaimSettings => new(Name, Interval, Fall, MinHold, Lease);

    public static LbFailoverConfig Read(ConfigReader r)
    {
        var config = new LbFailoverConfig
        {
            Enabled = r.Bool("enabled", Default.Enabled),
            Name = r.String("name", fallback: Default.Name, pattern: Names.DnsName(), patternHint: "a DNS label such as lb")!,
            Interval = r.Duration("interval", Default.Interval, TimeSpan.FromMilliseconds(200), TimeSpan.FromMinutes(5)),
            Fall = r.Int("fall", Default.Fall, 1, 100),
            MinHold = r.Duration("min_hold", Default.MinHold, TimeSpan.Zero, TimeSpan.FromHours(1)),
            Lease = r.Duration("lease", Default.Lease, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
        };
        if (config.Lease <= config.Interval)
        {
            r.Error("lease", $"must be longer than interval ({DurationParser.Format(config.Interval)})");
        }

        return config;
    }
}
