namespace NodeAgent.Configuration;

/// <summary>
/// <c>aws:</c> — region, bucket and, for S3/SQS-compatible servers, endpoints and static credentials. Without
/// <c>credentials</c> the SDK's default chain is used (the instance profile in production).
/// </summary>
public sealed record AwsSection
{
    /// <summary>The defaults, written once: each property's initializer.</summary>
    private static AwsSection Default => new() { Region = default!, Bucket = default! };

    public required string Region { get; init; }

    public required string Bucket { get; init; }

    public AwsCredentialsConfig? Credentials { get; init; }

    public Uri? S3Endpoint { get; init; }

    public bool S3ForcePathStyle { get; init; }

    public Uri? SqsEndpoint { get; init; }

    public RetryConfig Retry { get; init; } = new();

    /// <summary>Per-request timeout for ordinary calls (long polls add their wait time on top).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    public static AwsSection Read(ConfigReader r)
    {
        var region = r.String("region", required: true, pattern: Names.Region(), patternHint: Names.RegionHint);
        var bucket = r.String("bucket", required: true, pattern: Names.Bucket(), patternHint: Names.BucketHint);
        var credentials = r.Section("credentials", c => new AwsCredentialsConfig
        {
            AccessKeyId = c.String("access_key_id", required: true, maxLength: 128) ?? string.Empty,
            SecretAccessKey = c.Secret("secret_access_key", required: true) ?? SecretValue.Literal(string.Empty),
            SessionToken = c.Secret("session_token"),
        });
        Uri? s3Endpoint = null;
        var pathStyle = false;
        var s3 = r.Section("s3");
        if (s3 is not null)
        {
            s3Endpoint = s3.Url("endpoint", schemes: ["http", "https"]);
            pathStyle = s3.Bool("force_path_style", s3Endpoint is not null);
            s3.Finish();
        }

        var sqs = r.Section("sqs");
        Uri? sqsEndpoint = null;
        if (sqs is not null)
        {
            sqsEndpoint = sqs.Url("endpoint", schemes: ["http", "https"]);
            sqs.Finish();
        }

        return new AwsSection
        {
            Region = region ?? string.Empty,
            Bucket = bucket ?? string.Empty,
            Credentials = credentials,
            S3Endpoint = s3Endpoint,
            S3ForcePathStyle = pathStyle,
            SqsEndpoint = sqsEndpoint,
            Retry = r.Section("retry", RetryConfig.Read) ?? new RetryConfig(),
            Timeout = r.Duration("timeout", Default.Timeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10)),
        };
    }
}

public sealed record AwsCredentialsConfig
{
    public required string AccessKeyId { get; init; }

    public required SecretValue SecretAccessKey { get; init; }

    public SecretValue? SessionToken { get; init; }
}

/// <summary>Retry policy for transient AWS errors: jittered exponential backoff.</summary>
public sealed record RetryConfig
{
    /// <summary>The defaults, written once: each property's initializer.</summary>
    private static RetryConfig Default => new();

    public int MaxAttempts { get; init; } = 5;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    public static RetryConfig Read(ConfigReader r) => new()
    {
        MaxAttempts = r.Int("max_attempts", Default.MaxAttempts, 1, 20),
        BaseDelay = r.Duration("base_delay", Default.BaseDelay, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1)),
        MaxDelay = r.Duration("max_delay", Default.MaxDelay, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(10)),
    };
}
