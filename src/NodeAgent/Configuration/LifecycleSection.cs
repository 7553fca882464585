using System.Text.RegularExpressions;

namespace NodeAgent.Configuration;

/// <summary>
/// <c>lifecycle:</c> — taking part in the instance's lifecycle: watching instance metadata for a scale-in, a spot
/// interruption or a rebalance recommendation, and completing the Auto Scaling group's launch and termination hooks
/// (docs/install.md, "Instance lifecycle"). The group and hook names come from here or from the instance's tags in
/// instance metadata.
/// </summary>
public sealed partial record LifecycleSection
{
    /// <summary>The defaults, written once: each property's initializer.</summary>
    private static LifecycleSection Default => new();

    /// <summary>Null: on when user-data came from instance metadata (EC2), off when it came from a file.</summary>
    public bool? Enabled { get; init; }

    /// <summary>How often instance metadata is read for notices.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The Auto Scaling group; default: the instance tag <c>aws:autoscaling:groupName</c>.</summary>
    public string? Group { get; init; }

    /// <summary>The launch hook (<c>autoscaling:EC2_INSTANCE_LAUNCHING</c>); default: the instance tag <c>nodeagent:launch-hook</c>.</summary>
    public string? LaunchHook { get; init; }

    /// <summary>The termination hook (<c>autoscaling:EC2_INSTANCE_TERMINATING</c>); default: the instance tag <c>nodeagent:termination-hook</c>.</summary>
    public string? TerminationHook { get; init; }

    /// <summary>The hooks' <c>HeartbeatTimeout</c>; while a launch or a drain takes longer the agent records a heartbeat every third of it.</summary>
    public TimeSpan HeartbeatTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Bound on the role's termination steps (draining, handing over); a spot notice's deadline bounds them too.</summary>
    public TimeSpan TerminationTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>A launching node that is not ready by then completes its launch hook with ABANDON.</summary>
    public TimeSpan LaunchTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>What a rebalance recommendation does: only report it, or drain early.</summary>
    public RebalanceMode Rebalance { get; init; } = RebalanceMode.Report;

    /// <summary>Read the group and hook names from instance tags when user-data does not give them.</summary>
    public bool InstanceTags { get; init; } = true;

    /// <summary>The Auto Scaling API endpoint (VPC endpoints, stand-ins); default <c>AWS_ENDPOINT_URL_AUTO_SCALING</c>, else the region's.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>Auto Scaling group names: 1-255 printable characters without ':' (an ARN is not a name).</summary>
    [GeneratedRegex(@"^[\x21-\x39\x3B-\x7E][\x20-\x39\x3B-\x7E]{0,254}$")]
    public static partial Regex GroupName();

    /// <summary>Lifecycle hook names: 1-255 letters, digits, '-', '_' and '/'.</summary>
    [GeneratedRegex(@"^[A-Za-z0-9/_-]{1,255}$")]
    public static partial Regex HookName();

    public static LifecycleSection Read(ConfigReader r) => new()
    {
        Enabled = r.Has("enabled") ? r.Bool("enabled", true) : null,
        PollInterval = r.Duration("poll_interval", Default.PollInterval, TimeSpan.FromMilliseconds(200), TimeSpan.FromMinutes(1)),
        Group = r.String("group", pattern: GroupName(), patternHint: "an Auto Scaling group name (1-255 characters, no ':')"),
        LaunchHook = r.String("launch_hook", pattern: HookName(), patternHint: "a lifecycle hook name (letters, digits, '-', '_', '/')"),
        TerminationHook = r.String("termination_hook", pattern: HookName(), patternHint: "a lifecycle hook name (letters, digits, '-', '_', '/')"),
        HeartbeatTimeout = r.Duration("heartbeat_timeout", Default.HeartbeatTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromHours(2)),
        TerminationTimeout = r.Duration("termination_timeout", Default.TerminationTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromHours(48)),
        LaunchTimeout = r.Duration("launch_timeout", Default.LaunchTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromHours(48)),
        Rebalance = r.Choice("rebalance", Default.Rebalance, new Dictionary<string, RebalanceMode> { ["report"] = RebalanceMode.Report, ["drain"] = RebalanceMode.Drain }),
        InstanceTags = r.Bool("instance_tags", Default.InstanceTags),
        Endpoint = r.Url("endpoint", schemes: ["http", "https"]),
    };
}

/// <summary>What a rebalance recommendation makes the node do.</summary>
public enum RebalanceMode
{
    /// <summary>Log it, show it in <c>/healthz</c> and the metrics; change nothing.</summary>
    Report,

    /// <summary>Run the role's termination steps at once (a web node leaves the lb nodes), without completing any hook yet.</summary>
    Drain,
}
