using NodeAgent.Configuration;

namespace NodeAgent.Notifications;

/// <summary>
/// <c>notifications.retry</c>: how a failed delivery is retried — jittered exponential backoff from
/// <see cref="BaseDelay"/> to <see cref="MaxDelay"/>, and an event is given up (logged) after <see cref="MaxAge"/>
/// or <see cref="MaxAttempts"/> attempts, whichever comes first.
/// </summary>
public sealed record NotificationRetry
{
    private static NotificationRetry Default => new();

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan MaxAge { get; init; } = TimeSpan.FromHours(24);

    public int MaxAttempts { get; init; } = 1000;

    public static NotificationRetry Read(ConfigReader r)
    {
        var retry = new NotificationRetry
        {
            BaseDelay = r.Duration("base_delay", Default.BaseDelay, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1)),
            MaxDelay = r.Duration("max_delay", Default.MaxDelay, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(6)),
            MaxAge = r.Duration("max_age", Default.MaxAge, TimeSpan.FromMinutes(1), TimeSpan.FromDays(14)),
            MaxAttempts = r.Int("max_attempts", Default.MaxAttempts, 1, 100_000),
        };
        if (retry.MaxDelay < retry.BaseDelay)
        {
            r.Error("max_delay", $"must be at least base_delay ({DurationParser.Format(retry.BaseDelay)})");
        }

        return retry;
    }

    /// <summary>The wait after the <paramref name="attempts"/>-th failed attempt: full jitter in [d/2, d].</summary>
    public TimeSpan DelayAfter(int attempts)
    {
        var exponent = Math.Min(Math.Max(attempts - 1, 0), 30);
        var ceiling = Math.Min(BaseDelay.TotalMilliseconds * Math.Pow(2, exponent), MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }
}
