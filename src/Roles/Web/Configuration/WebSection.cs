using NodeAgent.Configuration;
using NodeAgent.Security;

namespace NodeAgent.Roles.Web.Configuration;

/// <summary>
/// <c>web:</c> — the apps this node serves, where their releases live, and the web server in front of them.
/// </summary>
public sealed record WebSection : IRoleSection
{
    /// <summary>The defaults, written once: each property's initializer.</summary>
    private static WebSection Default => new() { Apps = default! };

    public const string DefaultRoot = "/srv/nodeagent";

    /// <summary>Releases live in <c>&lt;root&gt;/&lt;app&gt;/releases/&lt;id&gt;</c>, served through <c>&lt;root&gt;/&lt;app&gt;/current</c>.</summary>
    public string Root { get; init; } = DefaultRoot;

    /// <summary>Releases kept per app; the current and the previous one are never removed.</summary>
    public int KeepReleases { get; init; } = 5;

    /// <summary>Safety poll of the desired state in S3, for lost messages.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A checkout is refused when the releases file system has less free space than this.</summary>
    public long MinFreeBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Port the web server listens on for the balancers.</summary>
    public int Port { get; init; } = 80;

    /// <summary>Optional web server the agent starts after boot catch-up and supervises (e.g. nginx in the foreground).</summary>
    public HookConfig? Server { get; init; }

    /// <summary>
    /// Health check of the local web server; feeds /healthz and the registry. Without it the node reports itself healthy
    /// once started, and only the balancers' own checks guard traffic.
    /// </summary>
    public HttpCheckConfig? Health { get; init; }

    public required IReadOnlyList<AppConfig> Apps { get; init; }

    /// <summary>
    /// The public half of the cluster's publish key: <c>desired.json</c> must carry a signature it verifies, or the node
    /// refuses it (docs/security.md). Required on every web node; null only in tests that build a section by hand.
    /// </summary>
    public PublishKey? PublishKey { get; init; }

    public static WebSection Read(ConfigReader r)
    {
        var apps = r.List("apps", AppConfig.Read, required: true, max: 100);
        foreach (var duplicate in apps.GroupBy(a => a.Name).Where(g => g.Count() > 1))
        {
            r.Error("apps", $"app '{duplicate.Key}' is listed {duplicate.Count()} times");
        }

        return new WebSection
        {
            Root = r.AbsolutePath("root", fallback: Default.Root)!,
            KeepReleases = r.Int("keep_releases", Default.KeepReleases, 2, 100),
            PollInterval = r.Duration("poll_interval", Default.PollInterval, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)),
            MinFreeBytes = r.Size("min_free_space", Default.MinFreeBytes),
            Port = r.Int("port", Default.Port, 1, 65535),
            Server = r.Section("server", HookConfig.Read),
            Health = r.Section("health", HttpCheckConfig.Read),
            Apps = apps,
            PublishKey = ReadPublishKey(r),
        };
    }

    private static PublishKey? ReadPublishKey(ConfigReader r)
    {
        var text = r.String("publish_key", required: true, maxLength: 128);
        if (text is null)
        {
            return null;
        }

        if (!PublishKey.TryParse(text, out var key))
        {
            r.Error("publish_key", $"expected {PublishKey.Hint}, got '{SafeText.Escape(text)}'");
            return null;
        }

        return key;
    }
}
