namespace NodeAgent.Bootstrap;

/// <summary>How to reach the EC2 instance metadata service (IMDSv2) and how long to try.</summary>
public sealed record ImdsOptions
{
    /// <summary>The link-local IMDS address. Overridable (<c>--imds-endpoint</c>, <c>NODEAGENT_IMDS_ENDPOINT</c>) for stand-ins.</summary>
    public static readonly Uri DefaultEndpoint = new("http://169.254.169.254/");

    public Uri Endpoint { get; init; } = DefaultEndpoint;

    /// <summary>Timeout of one HTTP request.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Attempts per request for transient failures (timeouts, connection errors, 5xx).</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Upper bound for the whole metadata fetch, however the attempts go.</summary>
    public TimeSpan TotalTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan TokenTtl { get; init; } = TimeSpan.FromHours(6);
}
