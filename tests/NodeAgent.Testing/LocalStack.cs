using System.Diagnostics;
using System.Text.RegularExpressions;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodeAgent.Aws;
using NodeAgent.Configuration;
using NodeAgent.Messaging;
using NodeAgent.Storage;

namespace NodeAgent.Testing;

/// <summary>
/// A real fauxqs (S3 + SQS over HTTP) on loopback, started from the pinned npm install. Tests share one instance
/// (<see cref="Shared"/>) and isolate themselves with their own bucket and cluster names; fault tests start their own.
/// A missing install is a failure, not a skip: CI must have run tools/localstack/install.sh.
/// </summary>
public sealed partial class LocalStack : IAsyncDisposable
{
    public const string AccessKey = "test";
    public const string SecretKey = "test";
    public const string Region = "us-east-1";

    private static readonly Lazy<Task<LocalStack>> SharedInstance = new(() => StartAsync());
    private readonly Process _process;

    private LocalStack(Process process, Uri endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public static Task<LocalStack> Shared() => SharedInstance.Value;

    /// <summary>Environment for child processes that talk to this stack: explicit credentials, no metadata probing.</summary>
    public static IReadOnlyDictionary<string, string> SdkEnvironment { get; } = new Dictionary<string, string>
    {
        ["AWS_EC2_METADATA_DISABLED"] = "true",
        ["AWS_ACCESS_KEY_ID"] = AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = SecretKey,
        ["AWS_REGION"] = Region,
    };

    public static async Task<LocalStack> StartAsync(string listen = "127.0.0.1:0")
    {
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        if (!File.Exists(Path.Combine(RepoPaths.FauxqsDir, "node_modules", "fauxqs", "package.json")))
        {
            throw new InvalidOperationException($"fauxqs is not installed in {RepoPaths.FauxqsDir}; run tools/localstack/install.sh (./test.sh does)");
        }

        var start = new ProcessStartInfo("node", [RepoPaths.FauxqsLauncher])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.Environment["FAUXQS_DIR"] = RepoPaths.FauxqsDir;
        start.Environment["FAUXQS_EXIT_WITH_PARENT"] = "1";
        start.Environment["FAUXQS_LISTEN"] = listen;
        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start node");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Kill(process);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!timeout.IsCancellationRequested)
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null)
            {
                break;
            }

            var match = Listening().Match(line);
            if (match.Success)
            {
                _ = process.StandardOutput.ReadToEndAsync();
                _ = process.StandardError.ReadToEndAsync();
                return new LocalStack(process, new Uri(match.Groups[1].Value + "/"));
            }
        }

        var stderr = await process.StandardError.ReadToEndAsync();
        Kill(process);
        throw new InvalidOperationException($"fauxqs did not start: {stderr}");
    }

    /// <summary>The <c>aws:</c> section a node would have for this stack.</summary>
    public AwsSection Aws(string bucket, RetryConfig? retry = null) => new()
    {
        Region = Region,
        Bucket = bucket,
        S3Endpoint = Endpoint,
        S3ForcePathStyle = true,
        SqsEndpoint = Endpoint,
        Credentials = new AwsCredentialsConfig { AccessKeyId = AccessKey, SecretAccessKey = SecretValue.Literal(SecretKey) },
        Retry = retry ?? new RetryConfig { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(500) },
        Timeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>The retry the tests' agents use: short, so a fault test does not wait out the production backoff.</summary>
    public const string TestRetry = "{max_attempts: 3, base_delay: 50ms, max_delay: 500ms}";

    /// <summary>The YAML <c>aws:</c> block for user-data files that point at this stack; a null
    /// <paramref name="retry"/> leaves the agent's default retry.</summary>
    public string AwsYaml(string bucket, string? retry = TestRetry) => AwsYaml(Endpoint, bucket, retry);

    /// <summary>The YAML <c>aws:</c> block for S3 and SQS at <paramref name="endpoint"/> (this stack's, or a relay in
    /// front of it); null <paramref name="retry"/> or <paramref name="timeout"/> leave the agent's defaults.</summary>
    public static string AwsYaml(Uri endpoint, string bucket, string? retry, string? timeout = null)
    {
        var lines = new List<string>
        {
            "aws:",
            $"  region: {Region}",
            $"  bucket: {bucket}",
            $"  s3: {{endpoint: \"{endpoint}\", force_path_style: true}}",
            $"  sqs: {{endpoint: \"{endpoint}\"}}",
            $"  credentials: {{access_key_id: {AccessKey}, secret_access_key: {SecretKey}}}",
        };
        if (retry is not null)
        {
            lines.Add($"  retry: {retry}");
        }

        if (timeout is not null)
        {
            lines.Add($"  timeout: {timeout}");
        }

        return string.Join('\n', lines);
    }

    public Task<string> CreateBucketAsync(string prefix = "t") => CreateBucketNamedAsync($"{prefix}-{Guid.NewGuid():N}"[..Math.Min(40, prefix.Length + 33)]);

    public async Task<string> CreateBucketNamedAsync(string name)
    {
        using var s3 = AwsClientFactory.CreateS3(Aws(name));
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = name });
        return name;
    }

    /// <summary>The object store and queue exactly as the agent wires them (DI, retry pipeline and all).</summary>
    public ServiceProvider Services(string bucket, RetryConfig? retry = null)
        => new ServiceCollection()
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Warning))
            .AddObjectStore(Aws(bucket, retry))
            .AddMessageQueue(Aws(bucket, retry))
            .BuildServiceProvider();

    public IObjectStore Store(ServiceProvider services) => services.GetRequiredService<IObjectStore>();

    public IMessageQueue Queue(ServiceProvider services) => services.GetRequiredService<IMessageQueue>();

    public IAmazonS3 S3(string bucket) => AwsClientFactory.CreateS3(Aws(bucket));

    /// <summary>Stops the server (for fault tests). The shared instance is never stopped.</summary>
    public ValueTask DisposeAsync()
    {
        Kill(_process);
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    [GeneratedRegex("fauxqs listening on (http://127\\.[0-9.]+:[0-9]+)")]
    private static partial Regex Listening();
}
