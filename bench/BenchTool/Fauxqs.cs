using System.Diagnostics;
using System.Text.RegularExpressions;
using Amazon.S3.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodeAgent.Aws;
using NodeAgent.Configuration;
using NodeAgent.Messaging;
using NodeAgent.Registry;
using NodeAgent.Roles.Web.Deploy;
using NodeAgent.Storage;

namespace NodeAgent.Bench;

/// <summary>A private fauxqs on a free loopback port, a bucket in it, and the publisher's services against it.</summary>
public sealed partial class Fauxqs : IAsyncDisposable
{
    private readonly Process _process;

    private Fauxqs(Process process, Uri endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public string Bucket { get; } = "bench-" + Guid.NewGuid().ToString("N")[..12];

    public static async Task<Fauxqs> StartAsync(string work)
    {
        var root = Paths.Root;
        var start = new ProcessStartInfo("node", [Path.Combine(root, "tools", "localstack", "fauxqs-server.mjs")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["FAUXQS_DIR"] = Path.Combine(root, ".local", "fauxqs");
        start.Environment["FAUXQS_LISTEN"] = "127.0.0.1:0";
        var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            var match = Listening().Match(line);
            if (match.Success)
            {
                _ = process.StandardOutput.ReadToEndAsync();
                _ = process.StandardError.ReadToEndAsync();
                var stack = new Fauxqs(process, new Uri(match.Groups[1].Value + "/"));
                using var s3 = AwsClientFactory.CreateS3(stack.Aws());
                await s3.PutBucketAsync(new PutBucketRequest { BucketName = stack.Bucket });
                return stack;
            }
        }

        throw new InvalidOperationException("fauxqs did not start: " + await process.StandardError.ReadToEndAsync());
    }

    public AwsSection Aws() => new()
    {
        Region = "us-east-1",
        Bucket = Bucket,
        S3Endpoint = Endpoint,
        S3ForcePathStyle = true,
        SqsEndpoint = Endpoint,
        Credentials = new AwsCredentialsConfig { AccessKeyId = "test", SecretAccessKey = SecretValue.Literal("test") },
        Timeout = TimeSpan.FromSeconds(10),
    };

    public string AwsYaml() => $$"""
        aws:
          region: us-east-1
          bucket: {{Bucket}}
          s3: {endpoint: "{{Endpoint}}", force_path_style: true}
          sqs: {endpoint: "{{Endpoint}}"}
          credentials: {access_key_id: test, secret_access_key: test}
        """;

    /// <summary>The publisher and status reader, wired as <c>nodeagent deploy</c> wires them.</summary>
    public ServiceProvider PublisherServices() => new ServiceCollection()
        .AddLogging(b => b.SetMinimumLevel(LogLevel.Warning).AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace))
        .AddObjectStore(Aws())
        .AddMessageQueue(Aws())
        .AddRegistryClient(new RegistrySection())
        .AddMessagePublishing(new QueueSection())
        .AddSingleton<DeployPublisher>()
        .AddSingleton<DeploymentStatusStore>()
        .BuildServiceProvider();

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    [GeneratedRegex("fauxqs listening on (http://127\\.[0-9.]+:[0-9]+)")]
    private static partial Regex Listening();
}
