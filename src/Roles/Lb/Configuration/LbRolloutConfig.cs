using NodeAgent.Configuration;

namespace NodeAgent.Roles.Lb.Configuration;

/// <summary>
/// <c>lb.rollout</c>: how often the advancer (the active lb) looks at rollouts — every <see cref="Interval"/> while one
/// is in progress, every <see cref="IdleInterval"/> otherwise (one GET of each backend app's desired state), and at
/// once on a <c>rollout</c> nudge from the publisher.
/// </summary>
public sealed record LbRolloutConfig
{
    private static LbRolloutConfig Default => new();

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan IdleInterval { get; init; } = TimeSpan.FromSeconds(30);

    public static LbRolloutConfig Read(ConfigReader r) => new()
    {
        Interval = r.Duration("interval", Default.Interval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1)),
        IdleInterval = r.Duration("idle_interval", Default.IdleInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10)),
    };
}
