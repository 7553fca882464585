namespace NodeAgent.Configuration;

/// <summary>
/// <c>queue:</c> — this node's own SQS queue, which receives deploy nudges and membership nudges. By default the
/// agent creates <c>nodeagent-&lt;cluster&gt;-&lt;node-id&gt;</c> with a dead-letter queue beside it.
/// </summary>
public sealed record QueueSection
{
    /// <summary>The defaults, written once: each property's initializer.</summary>
    private static QueueSection Default => new();

    /// <summary>Use this existing queue instead of creating one.</summary>
    public Uri? Url { get; init; }

    public TimeSpan WaitTime { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Receives before a message moves to the dead-letter queue.</summary>
    public int MaxReceiveCount { get; init; } = 5;

    /// <summary>Messages older than this are rejected (replay window).</summary>
    public TimeSpan MaxMessageAge { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>When set, every message must carry a valid HMAC-SHA256 signature made with this key.</summary>
    public SecretValue? SigningKey { get; init; }

    public static QueueSection Read(ConfigReader r) => new()
    {
        Url = r.Url("url", schemes: ["http", "https"]),
        WaitTime = r.Duration("wait_time", Default.WaitTime, TimeSpan.Zero, TimeSpan.FromSeconds(20)),
        VisibilityTimeout = r.Duration("visibility_timeout", Default.VisibilityTimeout, TimeSpan.FromSeconds(5), TimeSpan.FromHours(12)),
        MaxReceiveCount = r.Int("max_receive_count", Default.MaxReceiveCount, 1, 1000),
        MaxMessageAge = r.Duration("max_message_age", Default.MaxMessageAge, TimeSpan.FromSeconds(10), TimeSpan.FromDays(1)),
        SigningKey = r.Secret("signing_key"),
    };
}
