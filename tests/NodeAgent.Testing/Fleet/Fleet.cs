using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Dns;
using NodeAgent.Dns.Rfc2136;
using NodeAgent.Testing;

namespace NodeAgent.Testing.Fleet;

/// <summary>
/// A whole cluster on loopback, driven by real agents: the local S3/SQS server (behind a relay that can cut it off),
/// BIND with TSIG, two lb nodes (HAProxy, sharing <c>lb.&lt;zone&gt;</c> by failover), three web nodes (nginx started
/// by their agents) and one db node (PostgreSQL archiving through its agent). Every node has its own 127.x address,
/// user-data file and agent process. Everything started here is stopped on dispose.
/// </summary>
public sealed class Fleet : IAsyncDisposable
{
    public const int HttpPort = 8080;
    public const int StatusPort = StatusEndpoint.Port;
    public const string App = "shop";

    /// <summary>lb failover timing: a dead active is replaced after 1–2 s plus the DNS write (docs/dns.md); the
    /// lease outlasts a BIND restart.</summary>
    public const string Failover = "{interval: 1s, fall: 2, min_hold: 2s, lease: 20s}";

    private readonly Action<string> _log;
    private readonly List<IAsyncDisposable> _owned = [];

    private Fleet(string cluster, TempDir dir, Action<string> log, bool lifecycle)
    {
        Cluster = cluster;
        Dir = dir;
        _log = log;
        Lifecycle = lifecycle;
    }

    /// <summary>Launched by Auto Scaling: each node has its own instance metadata stand-in (lifecycle notices, instance
    /// tags), and the groups' launch and termination hooks complete on <see cref="AutoScaling"/>.</summary>
    public bool Lifecycle { get; }

    /// <summary>The Auto Scaling stand-in of a lifecycle fleet (null otherwise).</summary>
    public AutoScalingStandIn? AutoScaling { get; private set; }

    /// <summary>Every agent and CLI run writes its AWS calls here, one file per node (and <c>deployer/</c> for the
    /// deploy command): the record the least-privilege test holds the IAM policies against.</summary>
    public string CallLogDir => Dir.Combine("aws-calls");

    /// <summary>The termination hook of every group (docs/install.md); the launch hook is <see cref="LaunchHook"/>.</summary>
    public const string TerminationHook = "terminate";

    public const string LaunchHook = "launch";

    /// <summary>The group a node's role runs in, named as the template names it.</summary>
    public string GroupOf(FleetNode node) => $"{Cluster}-{node.Role}";

    /// <summary>A large file served at 64 KB/s by every web node (about 8 s): a request still in flight during a drain.</summary>
    public const string SlowFile = "slow/big.bin";

    public const int SlowFileBytes = 512 * 1024;

    public string Cluster { get; }

    public TempDir Dir { get; }

    public LocalStack Stack { get; private set; } = null!;

    /// <summary>Every agent reaches S3 and SQS through this relay; <see cref="TcpFaultProxy.Down"/> is the outage.</summary>
    public TcpFaultProxy AwsRelay { get; private set; } = null!;

    public string Bucket { get; private set; } = null!;

    public BindServer Bind { get; private set; } = null!;

    public GitRepo Repo { get; private set; } = null!;

    public PostgresCluster Postgres { get; private set; } = null!;

    public List<FleetNode> Lbs { get; } = [];

    public List<FleetNode> Webs { get; } = [];

    public FleetNode Db { get; private set; } = null!;

    public IEnumerable<FleetNode> Nodes => Lbs.Concat(Webs).Append(Db);

    /// <summary>The shared name clients use, e.g. <c>lb.fleet.test</c>.</summary>
    public string LbName => $"lb.{Bind.Zone}";

    public static async Task<Fleet> StartAsync(string cluster, Action<string> log, int webNodes = 3, bool lifecycle = false)
    {
        var fleet = new Fleet(cluster, new TempDir("nodeagent-fleet"), log, lifecycle);
        try
        {
            await fleet.StartInfrastructureAsync();
            await fleet.StartNodesAsync(webNodes);
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    private async Task StartInfrastructureAsync()
    {
        // World-readable: the db node's archive_command runs as the postgres user and reads its settings here.
        NodeAgent.Roles.Db.Backup.UnixModes.Set(Dir.Path, (UnixFileMode)0x1ED);
        Stack = await LocalStack.StartAsync();
        _owned.Add(Stack);
        AwsRelay = new TcpFaultProxy(new IPEndPoint(IPAddress.Loopback, Stack.Endpoint.Port));
        _owned.Add(AwsRelay);
        Bucket = await Stack.CreateBucketAsync(Cluster);
        _log($"local S3/SQS server at {Stack.Endpoint} (agents reach it through the relay at {AwsRelay.Endpoint}), bucket {Bucket}");

        Bind = await BindServer.StartAsync();
        _owned.Add(Bind);
        _log($"BIND at 127.0.0.1:{Bind.Port}, zone {Bind.Zone}, updates signed with TSIG key {BindServer.KeyName}");

        Repo = GitRepo.Create(Dir.Combine("repos", "shop"));
        var files = new Dictionary<string, string?> { ["index.html"] = "shop v1\n", ["healthz"] = "ok\n" };
        if (Lifecycle)
        {
            files[SlowFile] = new string('x', SlowFileBytes);
            AutoScaling = await AutoScalingStandIn.StartAsync();
            _owned.Add(AutoScaling);
            _log($"Auto Scaling stand-in at {AutoScaling.Endpoint} (SigV4 checked); each node gets its own instance metadata stand-in");
        }

        Repo.Commit(files, "v1");
    }

    private async Task StartNodesAsync(int webNodes)
    {
        // Web nodes first: the lb nodes find them in the registry when they start. v1 is published before any web
        // node exists, so each one catches up to it at boot, before its nginx starts.
        var webs = Enumerable.Range(1, webNodes).Select(i => CreateWeb($"web-{i}")).ToList();
        Webs.AddRange(webs);
        var (code, stdout, stderr) = await AgentProcess.RunAsync(["deploy", "--app", App, "--revision", "main", "--user-data", webs[0].UserData], TimeSpan.FromMinutes(1),
            CallLogEnvironment("deployer", "deploy"));
        if (code != 0)
        {
            throw new InvalidOperationException($"publishing v1 failed ({code}):\n{stdout}\n{stderr}");
        }

        await Task.WhenAll(webs.Select(StartAgentAsync));
        _log($"web nodes ready: {string.Join(", ", webs.Select(w => $"{w.NodeId} {w.Address}"))} (nginx started by each agent after boot catch-up)");

        Lbs.Add(CreateLb("lb-1"));
        Lbs.Add(CreateLb("lb-2"));
        await Task.WhenAll(Lbs.Select(StartAgentAsync));
        var holder = await ResolveLbAsync(CancellationToken.None);
        _log($"lb nodes ready: lb-1 {Lbs[0].Address}, lb-2 {Lbs[1].Address}; {LbName} -> {holder}");

        Db = await CreateDbAsync("db-1");
        await StartAgentAsync(Db);
        _log($"db node ready: db-1 {Db.Address}, PostgreSQL 15 on 127.0.0.1:{Postgres.Port} archiving WAL through the agent");
    }

    /// <summary>Starts (or restarts) the node's agent from its user-data and waits until /healthz says ready.</summary>
    public async Task StartAgentAsync(FleetNode node)
    {
        if (node.Running)
        {
            throw new InvalidOperationException($"{node.NodeId} is already running");
        }

        if (AutoScaling is not null && node.Imds is null)
        {
            // Launched by its group: the launch hook waits for the node to complete it.
            AutoScaling.BeginAction(GroupOf(node), LaunchHook, node.InstanceId);
            node.Imds = await ImdsStandIn.StartAsync();
            node.Imds.InstanceId = node.InstanceId;
            node.Imds.LocalIpv4 = node.Address.ToString();
            node.Imds.TargetLifecycleState = "InService";
        }

        string[] args = node.Imds is { } imds ? ["run", "--user-data", node.UserData, "--imds-endpoint", imds.Endpoint.ToString()] : ["run", "--user-data", node.UserData];
        var agent = AgentProcess.Start(args, new AgentStartOptions { Environment = CallLogEnvironment(node.Role, node.NodeId) });
        node.Started(agent);
        await agent.WaitReadyAsync(node.Healthz, TimeSpan.FromMinutes(3));
    }

    /// <summary>Commits new content and deploys it with <c>nodeagent deploy --wait --json</c>. Nodes named in
    /// <paramref name="down"/> are dead but still registered: the wait must report exactly them as unfinished (exit 7)
    /// and every other node as succeeded.</summary>
    public async Task<DeployResult> DeployAsync(string version, TimeSpan timeout, IReadOnlyCollection<string>? down = null)
    {
        down ??= [];
        var commit = Repo.Commit(new Dictionary<string, string?> { ["index.html"] = $"shop {version}\n" }, version);
        var clock = Stopwatch.StartNew();
        var (code, stdout, stderr) = await AgentProcess.RunAsync(
            ["deploy", "--app", App, "--revision", commit, "--wait", "--timeout", $"{(int)timeout.TotalSeconds}s", "--json", "--user-data", Webs[0].UserData],
            timeout + TimeSpan.FromMinutes(1), CallLogEnvironment("deployer", "deploy"));
        var elapsed = clock.Elapsed;
        var last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.StartsWith('{'))
            ?? throw new InvalidOperationException($"nodeagent deploy exited {code} without its JSON line:\n{stdout}\n{stderr}");
        using var doc = JsonDocument.Parse(last);
        var succeeded = doc.RootElement.GetProperty("nodes").EnumerateArray()
            .Where(n => n.GetProperty("state").GetString() == "succeeded").Select(n => n.GetProperty("node_id").GetString()!).ToHashSet();
        var expected = Webs.Select(w => w.NodeId).Where(n => !down.Contains(n)).ToHashSet();
        if (code != (down.Count == 0 ? 0 : 7) || !succeeded.SetEquals(expected))
        {
            throw new InvalidOperationException($"nodeagent deploy exited {code}; succeeded on [{string.Join(", ", succeeded)}], expected [{string.Join(", ", expected)}]:\n{stdout}\n{stderr}");
        }

        return new DeployResult(version, commit, elapsed, last);
    }

    /// <summary>The address <c>lb.&lt;zone&gt;</c> points at now, asked of BIND.</summary>
    public async Task<IPAddress?> ResolveLbAsync(CancellationToken cancellationToken)
    {
        using var dns = NewDnsClient();
        var records = await dns.ReadAsync(LbName, cancellationToken);
        return records.Addresses.Count > 0 ? records.Addresses[0] : null;
    }

    public Rfc2136Provider NewDnsClient()
        => new(Bind.Zone, Bind.Config(), TimeSpan.FromSeconds(2), TimeProvider.System, NullLogger<Rfc2136Provider>.Instance);

    /// <summary>The lb node that holds <c>lb.&lt;zone&gt;</c> now.</summary>
    public async Task<FleetNode> ActiveLbAsync(CancellationToken cancellationToken)
    {
        var address = await ResolveLbAsync(cancellationToken) ?? throw new InvalidOperationException($"{LbName} has no A record");
        return Lbs.Single(l => l.Address.Equals(address));
    }

    /// <summary>What each web node's <c>current</c> serves for the app (read from disk, not over HTTP).</summary>
    public IReadOnlyDictionary<string, string> ServedVersions()
        => Webs.ToDictionary(w => w.NodeId, w =>
        {
            var index = Path.Combine(w.Home, "srv", App, "current", "index.html");
            return File.Exists(index) ? File.ReadAllText(index).Trim() : "(none)";
        });

    /// <summary>The node's deploy state for the app, read with the agent's own store.</summary>
    public static NodeAgent.Roles.Web.Deploy.AppDeployState DeployState(FleetNode web)
        => new NodeAgent.Roles.Web.Deploy.DeployStateStore(web.StateDir, NullLogger<NodeAgent.Roles.Web.Deploy.DeployStateStore>.Instance).Load(App);

    public static HttpClient NewHttpClient(TimeSpan timeout)
        => new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.Zero, ConnectTimeout = timeout }) { Timeout = timeout };

    private FleetNode CreateWeb(string nodeId)
    {
        var address = LoopbackPorts.NextAddress();
        var home = Dir.Combine(nodeId);
        // nginx serves the app's current release, resolved per request; /healthz is a file of the release, so a node
        // with nothing deployed is not healthy. X-Node and X-Release say who answered with what.
        var conf = NginxConfig.Write(home, address, HttpPort, Path.Combine(home, "srv", App, "current"), nodeId, slowPrefix: Lifecycle ? "/slow/" : null);
        var userData = WriteUserData("web", nodeId, address, home, $$"""
            web:
              {{TestKeys.PublishKeyYaml}}
              root: {{home}}/srv
              port: {{HttpPort}}
              health: {path: /healthz, interval: 500ms, timeout: 450ms, rise: 2, fall: 2}
              server: {command: {{NginxConfig.CommandYaml(conf)}}}
              apps:
                - name: {{App}}
                  repository: {type: git, url: {{Repo.Path}}, ref: main}
            """);
        return Own(new FleetNode(nodeId, "web", address, userData, home));
    }

    private FleetNode CreateLb(string nodeId)
    {
        var address = LoopbackPorts.NextAddress();
        var home = Dir.Combine(nodeId);
        var userData = WriteUserData("lb", nodeId, address, home, $$"""
            lb:
              http_bind: "{{address}}:{{HttpPort}}"
              allowed_cidrs: [127.0.0.0/8]
              sync_interval: 5s{{(Lifecycle ? "\n  drain_timeout: 60s" : string.Empty)}}
              backends:
                - app: {{App}}
                  check: {path: /healthz, interval: 500ms, timeout: 450ms, rise: 2, fall: 2}
              failover: {{Failover}}
            """);
        return Own(new FleetNode(nodeId, "lb", address, userData, home));
    }

    private async Task<FleetNode> CreateDbAsync(string nodeId)
    {
        var address = LoopbackPorts.NextAddress();
        var home = Dir.Combine(nodeId);
        var settings = Path.Combine(home, "state", "postgres", "archive.json");
        Postgres = await PostgresCluster.StartAsync($"dotnet {RepoPaths.AgentDll} wal-push --config {settings} %p", "\narchive_timeout = 60\nsynchronous_commit = on\n");
        _owned.Add(Postgres);
        await Postgres.ExecAsync("CREATE TABLE orders (id int PRIMARY KEY, note text, at timestamptz NOT NULL DEFAULT clock_timestamp())");
        var userData = WriteUserData("db", nodeId, address, home, $$"""
            db:
              engine: postgresql
              health_interval: 1s
              postgresql: {data_dir: {{Postgres.DataDir}}, port: {{Postgres.Port}}, os_user: postgres}
              backup: {full_every: 24h, retain_full: 3, wal_timeout: 5m}
            """);
        return Own(new FleetNode(nodeId, "db", address, userData, home));
    }

    /// <summary>Where the agents' output is saved when the fleet stops: <c>NODEAGENT_FLEET_LOGS</c>, if set.</summary>
    public static string? LogDir => Environment.GetEnvironmentVariable("NODEAGENT_FLEET_LOGS");

    private void SaveLogs()
    {
        if (LogDir is not { Length: > 0 } logs)
        {
            return;
        }

        Directory.CreateDirectory(logs);
        foreach (var node in Lbs.Concat(Webs).Concat(Db is null ? [] : [Db]))
        {
            File.WriteAllText(Path.Combine(logs, $"{node.NodeId}.log"), node.History + (node.Agent is { } a ? a.StandardOutput + "\n" + a.StandardError : string.Empty));
            File.Copy(node.UserData, Path.Combine(logs, Path.GetFileName(node.UserData)), overwrite: true);
        }
    }

    /// <summary>Writes the node's user-data file: the shared header (identity, the local stack through the relay,
    /// status, queue, DNS), then <paramref name="roleSection"/>.</summary>
    private string WriteUserData(string role, string nodeId, IPAddress address, string home, string roleSection)
        => new NodeUserData
        {
            Lifecycle = AutoScaling is null ? null
                : $"{{enabled: true, poll_interval: 2s, group: {Cluster}-{role}, launch_hook: {LaunchHook}, termination_hook: {TerminationHook}, heartbeat_timeout: 3s, endpoint: \"{AutoScaling.Endpoint}\"}}",
            Role = role,
            Cluster = Cluster,
            NodeId = nodeId,
            Address = address,
            StateDir = $"{home}/state",
            Aws = LocalStack.AwsYaml(AwsRelay.Endpoint, Bucket, retry: "{max_attempts: 3, base_delay: 100ms, max_delay: 1s}", timeout: "5s"),
            // A lifecycle fleet keeps names 5 s: an lb node that hands its name over serves one TTL more before it stops.
            Dns = Bind.DnsYaml(Lifecycle ? "  ttl: 5" : string.Empty),
        }.Write(Dir.Combine($"{nodeId}.yaml"), roleSection);

    private FleetNode Own(FleetNode node)
    {
        _owned.Add(node);
        return node;
    }

    /// <summary>The group starts terminating <paramref name="node"/> (scale-in): its termination hook waits, and instance
    /// metadata says <c>Terminated</c>.</summary>
    public void ScaleIn(FleetNode node)
    {
        var imds = node.Imds ?? throw new InvalidOperationException("not a lifecycle fleet");
        AutoScaling!.BeginAction(GroupOf(node), TerminationHook, node.InstanceId);
        imds.TargetLifecycleState = "Terminated";
    }

    /// <summary>A spot interruption notice for <paramref name="node"/>, two minutes ahead; the group's termination hook waits.</summary>
    public void SpotInterrupt(FleetNode node)
    {
        var imds = node.Imds ?? throw new InvalidOperationException("not a lifecycle fleet");
        AutoScaling!.BeginAction(GroupOf(node), TerminationHook, node.InstanceId);
        imds.PostSpotInterruption(DateTimeOffset.UtcNow.AddMinutes(2));
    }

    private Dictionary<string, string> CallLogEnvironment(string role, string name)
    {
        Directory.CreateDirectory(Path.Combine(CallLogDir, role));
        return new Dictionary<string, string> { [NodeAgent.Aws.AwsCallLog.Variable] = Path.Combine(CallLogDir, role, $"{name}.jsonl") };
    }

    /// <summary>Every AWS call recorded so far, by who made it: <c>web</c>, <c>lb</c>, <c>db</c> (the agents) and
    /// <c>deployer</c> (the deploy command).</summary>
    public IReadOnlyList<RecordedAwsCall> RecordedCalls() => RecordedAwsCall.ReadAll(CallLogDir);

    public async ValueTask DisposeAsync()
    {
        SaveLogs();

        // Agents first (gracefully would take long: kill), then what they leave behind, then the servers.
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            try
            {
                await _owned[i].DisposeAsync();
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException)
            {
                _log($"cleanup: {ex.Message}");
            }
        }

        OrphanedHaproxy.KillUnder(Dir.Path);
        OrphanedHaproxy.KillServersUnder(Dir.Path, "nginx.pid");
        Dir.Dispose();
    }
}

/// <summary>One deploy: the version, its commit, how long publish → every node live took, and the CLI's outcome line.</summary>
public sealed record DeployResult(string Version, string Commit, TimeSpan Elapsed, string Outcome);
