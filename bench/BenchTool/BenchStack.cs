using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Messaging;
using NodeAgent.Registry;
using NodeAgent.Roles.Web.Deploy;
using NodeAgent.Storage;
using NodeAgent.Testing;

namespace NodeAgent.Bench;

/// <summary>
/// The bench's own local S3/SQS (the test-support <see cref="LocalStack"/> on a free loopback port), one bucket in it,
/// the publisher's services against it, and the web nodes' user-data pointing at it. Agents and publisher use the
/// agent's default AWS retry, as in production.
/// </summary>
public sealed class BenchStack : IAsyncDisposable
{
    private BenchStack(LocalStack stack, string bucket)
    {
        Stack = stack;
        Bucket = bucket;
    }

    public LocalStack Stack { get; }

    public string Bucket { get; }

    public static async Task<BenchStack> StartAsync()
    {
        var stack = await LocalStack.StartAsync();
        try
        {
            return new BenchStack(stack, await stack.CreateBucketNamedAsync("bench-" + Guid.NewGuid().ToString("N")[..12]));
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    public AwsSection Aws() => Stack.Aws(Bucket, new RetryConfig());

    public string AwsYaml() => Stack.AwsYaml(Bucket, retry: null);

    /// <summary>The publisher and status reader, wired as <c>nodeagent deploy</c> wires them.</summary>
    public ServiceProvider PublisherServices() => new ServiceCollection()
        .AddLogging(b => b.SetMinimumLevel(LogLevel.Warning).AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace))
        .AddObjectStore(Aws())
        .AddMessageQueue(Aws())
        .AddRegistryClient(new RegistrySection())
        .AddMessagePublishing(new QueueSection())
        .AddSingleton(TestKeys.Signer())
        .AddSingleton<DeployPublisher>()
        .AddSingleton<DeploymentStatusStore>()
        .BuildServiceProvider();

    /// <summary>A web node of cluster <c>bench</c> deploying app <c>shop</c> from <paramref name="repo"/>, under
    /// <paramref name="dir"/>/&lt;node&gt;; <paramref name="extraWeb"/> adds lines (indented two spaces) to its
    /// <c>web:</c> section; <paramref name="apps"/> replaces the <c>apps:</c> block (indented two spaces).</summary>
    public string WebUserData(string dir, string nodeId, IPAddress address, string repo, string extraWeb = "", string queue = "{}", string? apps = null)
        => new NodeUserData
        {
            Role = "web",
            Cluster = "bench",
            NodeId = nodeId,
            Address = address,
            StateDir = Path.Combine(dir, nodeId, "state"),
            Aws = AwsYaml(),
            Queue = queue,
        }.Write(Path.Combine(dir, nodeId + ".yaml"), $$"""
            web:
              {{TestKeys.PublishKeyYaml}}
              root: "{{Path.Combine(dir, nodeId, "srv")}}"
              min_free_space: 10MB
            {{extraWeb}}
            {{apps ?? $"  apps:\n    - name: shop\n      repository: {{type: git, url: \"{repo}\"}}"}}
            """);

    public ValueTask DisposeAsync() => Stack.DisposeAsync();
}
