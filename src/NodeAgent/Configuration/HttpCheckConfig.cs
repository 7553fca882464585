namespace NodeAgent.Configuration;

/// <summary>An HTTP health check: where, what counts as healthy, how often, and how many results flip the state.</summary>
public sealed record HttpCheckConfig
{
    /// <summary>The defaults, written once: each property's initializer.</summary>
    private static HttpCheckConfig Default => new();

    public string Path { get; init; } = "/";

    /// <summary>Port on this node's address; default: the app's or web server's port.</summary>
    public int? Port { get; init; }

    /// <summary>Host header to send, for name-based virtual hosts.</summary>
    public string? Host { get; init; }

    public int ExpectStatus { get; init; } = 200;

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Consecutive successes before a down check counts as up.</summary>
    public int Rise { get; init; } = 2;

    /// <summary>Consecutive failures before an up check counts as down.</summary>
    public int Fall { get; init; } = 3;

    public static HttpCheckConfig Read(ConfigReader r)
    {
        var check = new HttpCheckConfig
        {
            Path = r.String("path", fallback: Default.Path, pattern: Names.HttpPath(), patternHint: Names.HttpPathHint, maxLength: 1024)!,
            Port = r.OptionalInt("port", 1, 65535),
            Host = r.String("host", pattern: Names.DnsName(), patternHint: Names.DnsNameHint),
            ExpectStatus = r.Int("expect_status", Default.ExpectStatus, 100, 599),
            Interval = r.Duration("interval", Default.Interval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10)),
            Timeout = r.Duration("timeout", Default.Timeout, TimeSpan.FromMilliseconds(50), TimeSpan.FromMinutes(1)),
            Rise = r.Int("rise", Default.Rise, 1, 100),
            Fall = r.Int("fall", Default.Fall, 1, 100),
        };
        if (check.Timeout > check.Interval)
        {
            r.Error("timeout", $"must not exceed interval ({DurationParser.Format(check.Interval)})");
        }

        return check;
    }
}
