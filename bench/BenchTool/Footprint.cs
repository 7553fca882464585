using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Roles.Web.Deploy;
using NodeAgent.Testing;

namespace NodeAgent.Bench;

/// <summary>
/// bench/footprint: one agent per role as installed (web with nginx, lb with HAProxy and the pair failover on BIND, db
/// with PostgreSQL archiving through <c>nodeagent-wal-push</c>), with the production defaults for every interval.
/// Per role: exec → ready (the median of <c>--ready-runs</c> restarts with the node's state in place, the way systemd
/// restarts it; <c>/healthz</c> polled every 5 ms), resident memory after <c>--idle-seconds</c> idle, CPU time over the
/// next <c>--cpu-seconds</c>, and threads. The three agents idle side by side; each is started alone.
/// </summary>
public static class Footprint
{
    private static readonly TimeSpan ReadyPoll = TimeSpan.FromMilliseconds(5);

    public static async Task<string> RunAsync(BenchStack stack, string work, IReadOnlyDictionary<string, string> options)
    {
        // --quick: a functional run (a minute idle, a minute of CPU, one restart per role), not a measurement.
        var quick = options.ContainsKey("quick");
        var idleSeconds = Int(options, "idle-seconds", quick ? 60 : 300);
        var cpuSeconds = Int(options, "cpu-seconds", quick ? 60 : 300);
        var readyRuns = Int(options, "ready-runs", quick ? 1 : 3);
        var roles = options.GetValueOrDefault("roles", "web,lb,db").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var binary = AgentBinary.FromEnvironment();
        Log($"agent: {binary.Program} {string.Join(' ', binary.LeadingArguments)}; roles {string.Join(',', roles)}; load {Load()}");

        await using var owned = new Owned();
        var nodes = new List<Node>();
        foreach (var role in roles)
        {
            nodes.Add(role switch
            {
                "web" => await WebAsync(stack, work, owned),
                "lb" => await LbAsync(stack, work, owned, options.GetValueOrDefault("lb-extra", string.Empty)),
                "db" => await DbAsync(stack, work, binary, owned),
                _ => throw new ArgumentException($"unknown role '{role}' (web, lb, db)"),
            });
        }

        try
        {
            // First boot of each node (queue, mirror, first release, first backup…) is not what is measured: restarts
            // are, each alone on the machine, the last one left running.
            foreach (var node in nodes)
            {
                var first = await StartAsync(node, binary, TimeSpan.FromMinutes(5));
                Log($"{node.Role}: first boot ready in {first:0} ms");
                for (var run = 0; run < readyRuns; run++)
                {
                    await node.Agent!.StopAsync(TimeSpan.FromSeconds(60));
                    await node.Agent.DisposeAsync();
                    node.ReadyMs.Add(await StartAsync(node, binary, TimeSpan.FromMinutes(2)));
                    Log($"{node.Role}: restart {run + 1}/{readyRuns} ready in {node.ReadyMs[^1]:0} ms, RSS {ProcFs.RssMb(node.Agent!.Pid):0.0} MB");
                }

                node.RssReady = ProcFs.RssMb(node.Agent!.Pid);
            }

            var load = new List<string> { Load() };
            Log($"idle window: {idleSeconds} s");
            var samples = new Dictionary<string, List<string>>();
            await IdleAsync(nodes, TimeSpan.FromSeconds(idleSeconds), samples, load, heap: true);
            foreach (var node in nodes)
            {
                node.RssIdle = ProcFs.RssMb(node.Agent!.Pid);
                node.CpuBefore = ProcFs.CpuMs(node.Agent.Pid);
            }

            var cpuClock = Stopwatch.StartNew();
            Log($"CPU window: {cpuSeconds} s");
            // No /metrics scrape in the CPU window: it would be CPU the agent spends for the bench.
            await IdleAsync(nodes, TimeSpan.FromSeconds(cpuSeconds), samples, load, heap: false);
            var window = cpuClock.Elapsed.TotalMilliseconds;
            foreach (var node in nodes)
            {
                node.CpuPct = (ProcFs.CpuMs(node.Agent!.Pid) - node.CpuBefore) / window * 100;
                node.RssEnd = ProcFs.RssMb(node.Agent.Pid);
                node.Threads = Threads(node.Agent.Pid);
                node.Gc = await GcAsync(node);
                Log($"{node.Role}: ready {Statistics.Median(node.ReadyMs):0} ms (runs {string.Join(", ", node.ReadyMs.Select(m => m.ToString("0", CultureInfo.InvariantCulture)))}); "
                    + $"RSS ready {node.RssReady:0.0} MB, after {idleSeconds} s idle {node.RssIdle:0.0} MB, after the CPU window {node.RssEnd:0.0} MB "
                    + $"(samples, RSS/GC heap MB every 30 s: {string.Join(" ", samples[node.Role])}); "
                    + $"CPU {node.CpuPct:0.000} % of a core; {node.Threads} threads; {Smaps(node.Agent.Pid)}; {node.Gc}");
            }

            Log($"load during the windows: {string.Join(" | ", load)}");
            var rss = nodes.ToDictionary(n => n.Role, n => n.RssIdle);
            return JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["bench"] = "footprint",
                ["web_rss_mb"] = rss.TryGetValue("web", out var webRss) ? Round(webRss) : null,
                ["lb_rss_mb"] = rss.TryGetValue("lb", out var lbRss) ? Round(lbRss) : null,
                ["db_rss_mb"] = rss.TryGetValue("db", out var dbRss) ? Round(dbRss) : null,
                ["max_rss_mb"] = Round(nodes.Max(n => Math.Max(n.RssIdle, n.RssEnd))),
                ["max_cpu_pct"] = Math.Round(nodes.Max(n => n.CpuPct), 3),
                ["max_ready_ms"] = Math.Round(nodes.Max(n => Statistics.Median(n.ReadyMs))),
                ["load"] = Math.Round(load.Max(l => double.Parse(l.Split(' ')[0], CultureInfo.InvariantCulture)), 2),
            });
        }
        finally
        {
            foreach (var node in nodes.Where(n => n.Agent is not null))
            {
                await node.Agent!.StopAsync(TimeSpan.FromSeconds(60));
                await node.Agent.DisposeAsync();
            }

            OrphanedHaproxy.KillUnder(work);
            OrphanedHaproxy.KillServersUnder(work, "nginx.pid");
        }
    }

    /// <summary>Starts the node's agent and returns the milliseconds from exec until /healthz said ready.</summary>
    private static async Task<double> StartAsync(Node node, AgentBinary binary, TimeSpan timeout)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        node.Agent = AgentProcess.Start(["run", "--user-data", node.UserData], new AgentStartOptions
        {
            Binary = binary,
            LogFile = Path.Combine(Path.GetDirectoryName(node.UserData)!, node.Role + ".log"),
            GracefulStopOnDispose = TimeSpan.FromSeconds(30),
        });
        var healthz = StatusEndpoint.Healthz(node.Address);
        while (clock.Elapsed < timeout)
        {
            if (node.Agent.HasExited)
            {
                throw new InvalidOperationException($"{node.Role} agent exited with {node.Agent.ExitCode}:\n{node.Agent.StandardOutput}\n{node.Agent.StandardError}");
            }

            try
            {
                using var response = await http.GetAsync(healthz);
                if (response.StatusCode == HttpStatusCode.OK
                    && (await response.Content.ReadAsStringAsync()).Contains($"\"node\":\"{node.NodeId}\"", StringComparison.Ordinal))
                {
                    return clock.Elapsed.TotalMilliseconds;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(ReadyPoll);
        }

        throw new TimeoutException($"{node.Role} agent not ready within {timeout}:\n{node.Agent.StandardOutput}");
    }

    /// <summary>
    /// Waits out a window, sampling each agent's RSS and its GC heap (from /metrics) every 30 s (the heap only when
    /// <paramref name="heap"/>: the CPU window is not disturbed by scrapes), and failing if one exits. The pair tells a leak (the heap after collections grows with time) from settling (RSS rises to a plateau
    /// while the heap stays flat): docs/footprint.md.
    /// </summary>
    private static async Task IdleAsync(IReadOnlyList<Node> nodes, TimeSpan window, Dictionary<string, List<string>> samples, List<string> load, bool heap)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < window)
        {
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, Math.Max(0.1, (window - clock.Elapsed).TotalSeconds))));
            foreach (var node in nodes)
            {
                if (node.Agent!.HasExited)
                {
                    throw new InvalidOperationException($"{node.Role} agent exited during the idle window ({node.Agent.ExitCode})");
                }

                var rss = ProcFs.RssMb(node.Agent.Pid);
                var heapMb = heap ? await HeapMbAsync(node) : "-";
                var sample = string.Create(CultureInfo.InvariantCulture, $"{rss:0.0}/{heapMb}");
                (samples.TryGetValue(node.Role, out var list) ? list : samples[node.Role] = []).Add(sample);
            }

            load.Add(Load());
        }
    }

    private static async Task<Node> WebAsync(BenchStack stack, string work, Owned owned)
    {
        var dir = Directory.CreateDirectory(Path.Combine(work, "web")).FullName;
        var git = GitRepo.Create(Path.Combine(dir, "repo"));
        var files = new Dictionary<string, string?> { ["index.html"] = "shop\n", ["healthz"] = "ok\n" };
        for (var i = 0; i < 50; i++)
        {
            files[$"assets/page{i}.html"] = $"page {i}\n";
        }

        var commit = git.Commit(files, "v1");
        var address = LoopbackPorts.NextAddressWithFreePort(BenchAgent.Network, StatusEndpoint.Port);
        var port = LoopbackPorts.Free(address);
        var conf = NginxConfig.Write(dir, address, port, Path.Combine(dir, "web", "srv", "shop", "current"));
        var userData = stack.WebUserData(dir, "web", address, git.Path,
            $"  port: {port}\n  health: {{path: /healthz}}\n  server: {{command: {NginxConfig.CommandYaml(conf)}}}\n");
        await using var services = stack.PublisherServices();
        await services.GetRequiredService<DeployPublisher>().PublishAsync("bench", "shop", commit, "bench", CancellationToken.None);
        return new Node("web", "web", address, userData);
    }

    /// <param name="extra">More keys for the <c>lb:</c> section, as one YAML line (<c>--lb-extra</c>, for experiments:
    /// e.g. <c>"failover: {enabled: false}"</c> to see what the failover loop costs).</param>
    private static async Task<Node> LbAsync(BenchStack stack, string work, Owned owned, string extra)
    {
        var dir = Directory.CreateDirectory(Path.Combine(work, "lb")).FullName;
        var bind = owned.Add(await BindServer.StartAsync());
        var address = LoopbackPorts.NextAddressWithFreePort(BenchAgent.Network, StatusEndpoint.Port);
        var port = LoopbackPorts.Free(address);
        var userData = new NodeUserData
        {
            Role = "lb",
            Cluster = "bench",
            NodeId = "lb",
            Address = address,
            StateDir = Path.Combine(dir, "state"),
            Aws = stack.AwsYaml(),
            Queue = "{}",
            Dns = bind.DnsYaml(),
        }.Write(Path.Combine(dir, "lb.yaml"), $$"""
            lb:
              http_bind: "{{address}}:{{port}}"
              allowed_cidrs: [127.0.0.0/8]
              backends:
                - app: shop
                  check: {path: /healthz}
              {{extra}}
            """);
        return new Node("lb", "lb", address, userData);
    }

    private static async Task<Node> DbAsync(BenchStack stack, string work, AgentBinary binary, Owned owned)
    {
        var dir = Directory.CreateDirectory(Path.Combine(work, "db")).FullName;
        // PostgreSQL runs as its own user and reads the archive settings the agent writes here.
        NodeAgent.Roles.Db.Backup.UnixModes.Set(work, (UnixFileMode)0x1ED);
        NodeAgent.Roles.Db.Backup.UnixModes.Set(dir, (UnixFileMode)0x1ED);
        var settings = Path.Combine(dir, "state", "postgres", "archive.json");
        var walPush = binary.LeadingArguments.Count == 0
            ? $"{Path.Combine(Path.GetDirectoryName(binary.Program)!, "nodeagent-wal-push")} --config {settings} %p"
            : $"dotnet {RepoPaths.AgentDll} wal-push --config {settings} %p";
        var postgres = owned.Add(await PostgresCluster.StartAsync(walPush));
        var address = LoopbackPorts.NextAddressWithFreePort(BenchAgent.Network, StatusEndpoint.Port);
        var userData = new NodeUserData
        {
            Role = "db",
            Cluster = "bench",
            NodeId = "db",
            Address = address,
            StateDir = Path.Combine(dir, "state"),
            Aws = stack.AwsYaml(),
            Queue = "{}",
        }.Write(Path.Combine(dir, "db.yaml"), $$"""
            db:
              engine: postgresql
              postgresql: {data_dir: {{postgres.DataDir}}, port: {{postgres.Port}}, os_user: postgres}
            """);
        return new Node("db", "db", address, userData);
    }

    private static async Task<string> HeapMbAsync(Node node)
    {
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
            var text = await http.GetStringAsync(new Uri($"http://{node.Address}:{StatusEndpoint.Port}/metrics"));
            var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("nodeagent_gc_heap_bytes ", StringComparison.Ordinal));
            return line is not null && double.TryParse(line.Split(' ')[1], CultureInfo.InvariantCulture, out var bytes)
                ? (bytes / 1048576).ToString("0.0", CultureInfo.InvariantCulture)
                : "?";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return "?";
        }
    }

    /// <summary>The agent's own view of its heap, from /metrics (nodeagent_gc_*).</summary>
    private static async Task<string> GcAsync(Node node)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        var text = await http.GetStringAsync(new Uri($"http://{node.Address}:{StatusEndpoint.Port}/metrics"));
        string Value(string name) => text.Split('\n').FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal))?.Split(' ')[1] ?? "?";
        string Mb(string name) => double.TryParse(Value(name), CultureInfo.InvariantCulture, out var v) ? (v / 1048576).ToString("0.0", CultureInfo.InvariantCulture) : "?";
        var collections = text.Split('\n').Where(l => l.StartsWith("nodeagent_gc_collections{", StringComparison.Ordinal)).Select(l => l.Split(' ')[1]);
        return $"GC heap {Mb("nodeagent_gc_heap_bytes")} MB, committed {Mb("nodeagent_gc_committed_bytes")} MB, collections {string.Join('/', collections)}";
    }

    private static int Threads(int pid)
        => File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("Threads:", StringComparison.Ordinal))
            .Select(l => int.Parse(l["Threads:".Length..].Trim(), CultureInfo.InvariantCulture)).FirstOrDefault();

    /// <summary>Where the resident memory is: anonymous (GC heap, JIT'd code, native allocations, stacks) and
    /// file-backed (mapped assemblies and native libraries), from <c>/proc/&lt;pid&gt;/smaps_rollup</c>.</summary>
    private static string Smaps(int pid)
    {
        var fields = File.ReadLines($"/proc/{pid}/smaps_rollup")
            .Select(l => l.Split(':', 2))
            .Where(p => p.Length == 2 && p[1].TrimEnd().EndsWith("kB", StringComparison.Ordinal))
            .ToDictionary(p => p[0], p => double.Parse(p[1].Trim()[..^2].Trim(), CultureInfo.InvariantCulture) / 1024);
        var rss = fields.GetValueOrDefault("Rss");
        var anon = fields.GetValueOrDefault("Anonymous");
        return string.Create(CultureInfo.InvariantCulture, $"anonymous {anon:0.0} MB, file-backed {rss - anon:0.0} MB");
    }

    private static double Round(double value) => Math.Round(value, 1);

    private static int Int(IReadOnlyDictionary<string, string> options, string name, int fallback)
        => options.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    private static string Load() => string.Join(' ', ProcFs.LoadAverage().Split(' ').Take(3));

    private static void Log(string line) => Console.Error.WriteLine($"footprint: {line}");

    private sealed class Node(string role, string nodeId, IPAddress address, string userData)
    {
        public string Role { get; } = role;

        public string NodeId { get; } = nodeId;

        public IPAddress Address { get; } = address;

        public string UserData { get; } = userData;

        public AgentProcess? Agent { get; set; }

        public List<double> ReadyMs { get; } = [];

        public double RssReady { get; set; }

        public double RssIdle { get; set; }

        public double RssEnd { get; set; }

        public double CpuBefore { get; set; }

        public double CpuPct { get; set; }

        public int Threads { get; set; }

        public string Gc { get; set; } = string.Empty;
    }

    /// <summary>The servers the bench started for the roles (BIND, PostgreSQL), stopped at the end.</summary>
    private sealed class Owned : IAsyncDisposable
    {
        private readonly List<IAsyncDisposable> _items = [];

        public T Add<T>(T item)
            where T : IAsyncDisposable
        {
            _items.Add(item);
            return item;
        }

        public async ValueTask DisposeAsync()
        {
            for (var i = _items.Count - 1; i >= 0; i--)
            {
                await _items[i].DisposeAsync();
            }
        }
    }
}
