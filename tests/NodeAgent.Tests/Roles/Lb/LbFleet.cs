using System.Net;
using System.Runtime.InteropServices;
using NodeAgent.Roles.Lb.Haproxy;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Lb;

/// <summary>
/// A small cluster of real agents on loopback: web nodes (each an agent plus its own nginx on its own address) and lb
/// nodes (an agent running HAProxy), sharing one bucket on the local stack. Everything started is stopped on dispose.
/// </summary>
internal sealed class LbFleet : IAsyncDisposable
{
    public const string WebHealth = "{path: /healthz, interval: 300ms, timeout: 280ms, rise: 2, fall: 2}";
    public const string LbCheck = "{path: /healthz, interval: 500ms, timeout: 450ms, rise: 2, fall: 2}";

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private readonly List<IAsyncDisposable> _owned = [];

    private LbFleet(LocalStack stack, string bucket, string cluster)
    {
        Stack = stack;
        Bucket = bucket;
        Cluster = cluster;
    }

    public LocalStack Stack { get; }

    public string Bucket { get; }

    public string Cluster { get; }

    public TempDir Dir { get; } = new("nodeagent-fleet");

    public static async Task<LbFleet> CreateAsync(string cluster)
    {
        var stack = await LocalStack.Shared();
        return new LbFleet(stack, await stack.CreateBucketAsync(cluster), cluster);
    }

    public async Task<NginxServer> StartNginxAsync(string name, IPAddress address)
    {
        var nginx = await NginxServer.StartAsync(Dir.Path, name, address);
        _owned.Add(nginx);
        return nginx;
    }

    /// <summary>A web node: its agent health-checks <paramref name="nginx"/> (same address) and registers its port.</summary>
    public async Task<Node> StartWebAsync(string nodeId, NginxServer nginx, bool waitUntilReady = true)
    {
        var file = Header("web", nodeId, nginx.Address).Write(Dir.Combine($"{nodeId}.yaml"), $"""
            web:
              {TestKeys.PublishKeyYaml}
              root: {Dir.Combine(nodeId, "srv")}
              port: {nginx.Port}
              health: {WebHealth}
              apps:
                - name: shop
                  repository: {"{"}type: git, url: {Dir.Combine("repos", "shop.git")}{"}"}
            """);
        var node = new Node(nodeId, nginx.Address, file, null, AgentProcess.Start(["run", "--user-data", file]));
        _owned.Add(node);
        if (waitUntilReady)
        {
            await node.Agent.WaitReadyAsync(node.Healthz, ReadyTimeout);
        }

        return node;
    }

    /// <summary>An lb node with one backend (shop) and HAProxy on its own address and a free port.</summary>
    public async Task<Node> StartLbAsync(string nodeId, string extraLb = "")
    {
        var address = LoopbackPorts.NextAddress();
        var http = new IPEndPoint(address, LoopbackPorts.Free(address));
        var file = Header("lb", nodeId, address).Write(Dir.Combine($"{nodeId}.yaml"), $"""
            lb:
              http_bind: "{http}"
              allowed_cidrs: [127.0.0.0/8]
              sync_interval: 1h
              flap_hold_down: 0s
            {extraLb}
              backends:
                - app: shop
                  check: {LbCheck}
            """);
        var node = new Node(nodeId, address, file, http, AgentProcess.Start(["run", "--user-data", file]));
        _owned.Add(node);
        await node.Agent.WaitReadyAsync(node.Healthz, ReadyTimeout);
        return node;
    }

    /// <summary>Starts the agent of <paramref name="node"/> again from the same user-data (same state dir).</summary>
    public async Task<Node> RestartAsync(Node node)
    {
        var again = node with { Agent = AgentProcess.Start(["run", "--user-data", node.UserData]) };
        _owned.Add(again);
        await again.Agent.WaitReadyAsync(again.Healthz, ReadyTimeout);
        return again;
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        // An HAProxy orphaned on purpose (agent killed) that no later agent took over.
        OrphanedHaproxy.KillUnder(Dir.Path);

        Dir.Dispose();
    }

    /// <summary>The shared user-data header of a node of this fleet (the agent's own address for its status endpoint).</summary>
    private NodeUserData Header(string role, string nodeId, IPAddress address) => new()
    {
        Role = role,
        Cluster = Cluster,
        NodeId = nodeId,
        Address = address,
        StateDir = Dir.Combine(nodeId, "state"),
        Aws = Stack.AwsYaml(Bucket),
    };

    /// <summary>One agent: its id, address, user-data, HTTP frontend (lb only) and process.</summary>
    internal sealed record Node(string NodeId, IPAddress Address, string UserData, IPEndPoint? Http, AgentProcess Agent) : IAsyncDisposable
    {
        public Uri Healthz => StatusEndpoint.Healthz(Address);

        public Uri Metrics => StatusEndpoint.Metrics(Address);

        public HaproxyPaths Haproxy => new(Path.Combine(Path.GetDirectoryName(UserData)!, NodeId, "state", "haproxy"));

        public IHaproxyRuntime Runtime => new HaproxySocketRuntime(Haproxy);

        public void Stop() => Agent.Signal(PosixSignal.SIGTERM);

        public ValueTask DisposeAsync() => Agent.DisposeAsync();
    }
}
