namespace NodeAgent.Configuration;

/// <summary>
/// <c>registry:</c> — the node registry in S3 (<c>&lt;cluster&gt;/nodes/&lt;role&gt;/&lt;id&gt;.json</c>). The
/// defaults are priced in docs/cost.md.
/// </summary>
public sealed record RegistrySection
{
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>An entry whose heartbeat is older than this is stale and ignored by readers; default 3 heartbeats.</summary>
    public TimeSpan Ttl { get; init; } = TimeSpan.FromSeconds(120) * 3;

    public static RegistrySection Read(ConfigReader r)
    {
        var heartbeat = r.Duration("heartbeat_interval", new RegistrySection().HeartbeatInterval, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        var ttl = r.Duration("ttl", heartbeat * 3, TimeSpan.FromSeconds(2), TimeSpan.FromHours(24));
        if (ttl <= heartbeat)
        {
            r.Error("ttl", $"must be longer than heartbeat_interval ({DurationParser.Format(heartbeat)}); 3x is a good choice");
        }

        return new RegistrySection { HeartbeatInterval = heartbeat, Ttl = ttl };
    }
}
