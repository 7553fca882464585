using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodeAgent.Aws;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Lifecycle;
using NodeAgent.Messaging;
using NodeAgent.Processes;
using NodeAgent.Registry;
using NodeAgent.Roles;
using NodeAgent.Roles.Lb.Configuration;
using NodeAgent.Roles.Lb.Haproxy;
using NodeAgent.Roles.Lb.Membership;
using NodeAgent.Status;
using NodeAgent.Storage;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Lb.Haproxy;

/// <summary>
/// The lb role's balancer in-process, wired exactly as the agent wires it (AddHaproxyBalancer, AddLbMembership), against
/// a real HAProxy 2.6 and the local S3/SQS: the loops are not started; tests drive
/// <see cref="MembershipReconciler.SyncAsync"/> and <see cref="MembershipReconciler.TickAsync"/> themselves and read
/// HAProxy through its runtime API.
/// </summary>
internal sealed class LbHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private LbHarness(ServiceProvider services, CapturingLoggerProvider logs, AgentConfig config, TempDir dir, LocalStack stack, string bucket, IPEndPoint http, IPEndPoint? https)
    {
        _services = services;
        Logs = logs;
        Config = config;
        Dir = dir;
        Stack = stack;
        Bucket = bucket;
        Http = http;
        Https = https;
    }

    public AgentConfig Config { get; }

    public TempDir Dir { get; }

    public LocalStack Stack { get; }

    public string Bucket { get; }

    public IPEndPoint Http { get; }

    public IPEndPoint? Https { get; }

    /// <summary>Every log line the balancer wrote.</summary>
    public CapturingLoggerProvider Logs { get; }

    public MembershipReconciler Membership => _services.GetRequiredService<MembershipReconciler>();

    public IHaproxyRuntime Runtime => _services.GetRequiredService<IHaproxyRuntime>();

    public HaproxyProcess Process => _services.GetRequiredService<HaproxyProcess>();

    public HaproxyPaths Paths => _services.GetRequiredService<HaproxyPaths>();

    /// <summary>The supervisor (not started by the harness; a test starts it to exercise restarts).</summary>
    public HaproxySupervisor Supervisor => _services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<HaproxySupervisor>().Single();

    public INodeRegistry Registry => _services.GetRequiredService<INodeRegistry>();

    public NodeStatusBoard Board => _services.GetRequiredService<NodeStatusBoard>();

    public string Cluster => Config.Cluster;

    /// <summary>Starts HAProxy for an lb section given as YAML lines (indented under <c>lb:</c>; http_bind is added).</summary>
    public static async Task<LbHarness> StartAsync(string lbYaml, bool https = false, string cluster = "lbt")
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("lb");
        var dir = new TempDir("nodeagent-lb");
        var address = LoopbackPorts.NextAddress();
        var http = new IPEndPoint(address, LoopbackPorts.Free(address));
        IPEndPoint? httpsBind = null;
        var tls = string.Empty;
        if (https)
        {
            httpsBind = new IPEndPoint(address, LoopbackPorts.Free(address));
            tls = $"\n  https_bind: \"{httpsBind}\"\n  certificate: {await TestCertificate.CreatePemAsync(dir, "shop.test")}";
        }

        var yaml = $"""
            version: 1
            role: lb
            cluster: {cluster}
            node: {"{"}id: lb-1, instance_id: i-lb-1, address: {address}, state_dir: {dir.Combine("state")}{"}"}
            {stack.AwsYaml(bucket)}
            lb:
              http_bind: "{http}"{tls}
            {lbYaml}
            """;
        var config = AgentConfigReader.Read(yaml, "test", BuiltInRoles.Catalog().SectionReaders);
        var identity = new NodeIdentity
        {
            Cluster = cluster,
            Role = "lb",
            NodeId = "lb-1",
            InstanceId = "i-lb-1",
            Address = address,
            Source = "test",
        };
        var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection()
            .AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug))
            .AddSingleton(TimeProvider.System)
            .AddSingleton(config)
            .AddSingleton(identity)
            .AddAgentMetrics()
            .AddObjectStore(config.Aws)
            .AddMessageQueue(config.Aws)
            .AddProcesses()
            .AddRegistryClient(config.Registry)
            .AddMessagePublishing(config.Queue)
            .AddSingleton<NodeStatusBoard>();
        var lbSection = config.Section<LbSection>();
        services.AddSingleton(lbSection);
        new RoleBuilder(services, config).AddHaproxyBalancer(lbSection).AddLbMembership(lbSection);
        var provider = services.BuildServiceProvider();
        var harness = new LbHarness(provider, logs, config, dir, stack, bucket, http, httpsBind);
        await provider.GetServices<IStartupTask>().OfType<StartHaproxyTask>().Single().RunAsync(CancellationToken.None);
        await provider.GetRequiredService<AccessLogReceiver>().StartAsync(CancellationToken.None);
        return harness;
    }

    /// <summary>Writes a healthy web node's registry entry serving <paramref name="apps"/> at the nginx's address and port.</summary>
    public Task PutWebNodeAsync(string nodeId, IPAddress address, int port, string health = NodeHealth.Healthy, params string[] apps)
        => Registry.PutAsync(WebRecord(Cluster, nodeId, address, port, health, apps.Length == 0 ? ["shop"] : apps), CancellationToken.None);

    public static NodeRecord WebRecord(string cluster, string nodeId, IPAddress address, int port, string health, IEnumerable<string> apps) => new()
    {
        Cluster = cluster,
        Role = "web",
        NodeId = nodeId,
        InstanceId = "i-" + nodeId,
        Address = address.ToString(),
        Ports = new Dictionary<string, int> { ["http"] = port },
        Apps = apps.ToDictionary(a => a, _ => new AppStatus { Release = "r1" }),
        Health = health,
        StartedAt = DateTimeOffset.UtcNow,
        HeartbeatAt = DateTimeOffset.UtcNow,
    };

    public async Task<IReadOnlyList<ServerState>> ServersAsync()
        => (await Runtime.ShowServersStateAsync(CancellationToken.None)).Where(s => s.App is not null).ToList();

    /// <summary>GET through HAProxy's HTTP frontend with a Host header; returns status and body.</summary>
    public async Task<(int Status, string Body)> GetAsync(string host, string path = "/", HttpClient? client = null)
    {
        using var own = client is null ? new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) } : null;
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{Http}{path}");
        request.Headers.Host = host;
        using var response = await (client ?? own!).SendAsync(request);
        return ((int)response.StatusCode, (await response.Content.ReadAsStringAsync()).Trim());
    }

    public async ValueTask DisposeAsync()
    {
        await _services.GetRequiredService<AccessLogReceiver>().StopAsync(CancellationToken.None);
        await Process.StopAsync(TimeSpan.FromSeconds(2), CancellationToken.None);
        await _services.DisposeAsync();
        Dir.Dispose();
    }
}
