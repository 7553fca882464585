using System.Diagnostics;
using System.Globalization;
using System.Net;
using NodeAgent.Testing;

namespace NodeAgent.Bench.Membership;

/// <summary>
/// One arm of the benchmark: an lb agent (with <c>lb.apply</c> = the mode) in front of one permanent web node, under
/// steady client traffic; then, one at a time, a new web node (agent + nginx) joins, is measured, and leaves
/// gracefully. Join latency = the nginx access-log time of the node's first proxied client request minus the time
/// its agent logged "healthy" (event 4001). Same machine clock for both.
/// </summary>
public static class JoinBench
{
    /// <summary>The clients' User-Agent, to tell their requests from health checks in nginx's access log.</summary>
    public const string UserAgent = "membership-bench/1";

    public sealed record Result(IReadOnlyList<double> JoinMs, int Failed, int Requests, IReadOnlyList<string> Failures);

    private static readonly TimeSpan AgentStart = TimeSpan.FromSeconds(90);

    public static async Task<Result> RunAsync(LocalStack stack, string mode, int joins)
    {
        var bucket = await stack.CreateBucketAsync("bench");
        var cluster = mode == "reload" ? "bench-reload" : "bench-runtime";
        using var dir = new TempDir("nodeagent-bench-membership");
        var owned = new List<IAsyncDisposable>();
        try
        {
            var lbAddress = LoopbackPorts.NextAddress();
            var http = new IPEndPoint(lbAddress, LoopbackPorts.Free(lbAddress));
            var lb = StartAgent(LbUserData(stack, bucket, cluster, dir, lbAddress, http, mode));
            owned.Add(lb);
            await lb.WaitReadyAsync(StatusEndpoint.Healthz(lbAddress), AgentStart);
            var baseNginx = await NginxServer.StartAsync(dir.Path, "web-0", LoopbackPorts.NextAddress());
            owned.Add(baseNginx);
            var baseWeb = StartAgent(WebUserData(stack, bucket, cluster, dir, "web-0", baseNginx));
            owned.Add(baseWeb);
            await baseWeb.WaitAnsweringAsync(StatusEndpoint.Healthz(baseNginx.Address), AgentStart);
            await InRotationAsync(http, TimeSpan.FromSeconds(60));
            await using var load = new LoadLoop(http, host: null, workers: 2, maxDuration: TimeSpan.FromMinutes(30), userAgent: UserAgent, pause: TimeSpan.FromMilliseconds(3));
            var latencies = new List<double>();
            for (var i = 1; i <= joins; i++)
            {
                var name = $"web-{i}";
                await using var nginx = await NginxServer.StartAsync(dir.Path, name, LoopbackPorts.NextAddress());
                await using var web = StartAgent(WebUserData(stack, bucket, cluster, dir, name, nginx));
                await web.WaitAnsweringAsync(StatusEndpoint.Healthz(nginx.Address), AgentStart);
                // When the web health loop declared the node healthy (event 4001), from the agent's own log.
                var healthyAt = await Until(() => web.LastEventAt(4001), TimeSpan.FromSeconds(60), $"{name} healthy");
                var proxiedAt = await Until(() => FirstProxied(nginx), TimeSpan.FromSeconds(60), $"{name}'s first proxied request");
                var ms = (proxiedAt - healthyAt).TotalMilliseconds;
                latencies.Add(ms);
                var nudged = web.LastEventAt(4050, "join");
                var received = lb.LastEventAt(1511, "membership");
                var joined = lb.LastEventAt(4130, name + " joined");
                Console.Error.WriteLine($"{mode} join {i}: healthy {healthyAt:HH:mm:ss.fff}, nudge sent +{Since(nudged)}, lb handled +{Since(received)}, "
                    + $"lb joined +{Since(joined)}, first proxied {proxiedAt:HH:mm:ss.fff}: {ms:0} ms");
                string Since(DateTimeOffset? at) => at is { } t ? $"{(t - healthyAt).TotalMilliseconds:0}" : "?";
                if (!await web.StopAsync(TimeSpan.FromSeconds(30)))
                {
                    throw new TimeoutException($"{name} did not stop within 30 s of SIGTERM");
                }
            }

            await load.StopAsync();
            return new Result(latencies, load.Failed, load.Ok + load.Failed, load.Failures.ToList());
        }
        finally
        {
            for (var i = owned.Count - 1; i >= 0; i--)
            {
                await owned[i].DisposeAsync();
            }
        }
    }

    /// <summary>Until the lb answers 200 (the permanent web node is in rotation); traffic is counted only from then on.</summary>
    private static async Task InRotationAsync(IPEndPoint lb, TimeSpan timeout)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            try
            {
                using var response = await http.GetAsync($"http://{lb}/healthz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not yet.
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("the permanent web node never came into rotation");
    }

    private static DateTimeOffset? FirstProxied(NginxServer nginx)
    {
        if (!File.Exists(nginx.AccessLog))
        {
            return null;
        }

        using var stream = new FileStream(nginx.AccessLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (line.Contains(UserAgent, StringComparison.Ordinal))
            {
                var seconds = double.Parse(line[..line.IndexOf(' ')], CultureInfo.InvariantCulture);
                return DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000));
            }
        }

        return null;
    }

    private static async Task<T> Until<T>(Func<T?> probe, TimeSpan timeout, string what)
        where T : struct
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (probe() is { } value)
            {
                return value;
            }

            await Task.Delay(5);
        }

        throw new TimeoutException($"timed out waiting for {what}");
    }

    /// <summary>The nodes' agents: their JSON log lines are kept to find events; dispose stops them gracefully.</summary>
    private static AgentProcess StartAgent(string userData)
        => AgentProcess.Start(["run", "--user-data", userData], new AgentStartOptions { GracefulStopOnDispose = TimeSpan.FromSeconds(15) });

    private static string LbUserData(LocalStack stack, string bucket, string cluster, TempDir dir, IPAddress address, IPEndPoint http, string mode)
        => Header(stack, bucket, cluster, dir, "lb", "lb-1", address).Write(dir.Combine("lb-1.yaml"), $$"""
            lb:
              http_bind: "{{http}}"
              allowed_cidrs: [127.0.0.0/8]
              apply: {{mode}}
              backends:
                - app: shop
                  check: {path: /healthz, interval: 1s, timeout: 500ms, rise: 2, fall: 2}
            """);

    private static string WebUserData(LocalStack stack, string bucket, string cluster, TempDir dir, string name, NginxServer nginx)
        => Header(stack, bucket, cluster, dir, "web", name, nginx.Address).Write(dir.Combine(name + ".yaml"), $$"""
            web:
              {{TestKeys.PublishKeyYaml}}
              root: {{dir.Combine(name, "srv")}}
              port: {{nginx.Port}}
              health: {path: /healthz, interval: 200ms, timeout: 150ms, rise: 2, fall: 2}
              apps:
                - name: shop
                  repository: {type: git, url: {{dir.Combine("repos", "shop.git")}}}
            """);

    /// <summary>No <c>queue:</c> section: the agents' default long poll.</summary>
    private static NodeUserData Header(LocalStack stack, string bucket, string cluster, TempDir dir, string role, string nodeId, IPAddress address) => new()
    {
        Role = role,
        Cluster = cluster,
        NodeId = nodeId,
        Address = address,
        StateDir = dir.Combine(nodeId, "state"),
        Aws = stack.AwsYaml(bucket),
        Queue = null,
    };
}
