using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
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
    public sealed record Result(IReadOnlyList<double> JoinMs, int Failed, int Requests, IReadOnlyList<string> Failures);

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
            var lb = await Agent.StartAsync(dir, "lb-1", lbAddress, LbYaml(stack, bucket, cluster, dir, lbAddress, http, mode));
            owned.Add(lb);
            var baseNginx = await NginxServer.StartAsync(dir.Path, "web-0", LoopbackPorts.NextAddress());
            owned.Add(baseNginx);
            owned.Add(await Agent.StartAsync(dir, "web-0", baseNginx.Address, WebYaml(stack, bucket, cluster, dir, "web-0", baseNginx)));
            await InRotationAsync(http, TimeSpan.FromSeconds(60));
            await using var load = new Load(http);
            var latencies = new List<double>();
            for (var i = 1; i <= joins; i++)
            {
                var name = $"web-{i}";
                await using var nginx = await NginxServer.StartAsync(dir.Path, name, LoopbackPorts.NextAddress());
                await using var web = await Agent.StartAsync(dir, name, nginx.Address, WebYaml(stack, bucket, cluster, dir, name, nginx));
                var healthyAt = await Until(() => web.HealthyAt(), TimeSpan.FromSeconds(60), $"{name} healthy");
                var proxiedAt = await Until(() => FirstProxied(nginx), TimeSpan.FromSeconds(60), $"{name}'s first proxied request");
                var ms = (proxiedAt - healthyAt).TotalMilliseconds;
                latencies.Add(ms);
                var nudged = web.EventAt(4050, "join");
                var received = lb.EventAt(1511, "membership");
                var joined = lb.EventAt(4130, name + " joined");
                Console.Error.WriteLine($"{mode} join {i}: healthy {healthyAt:HH:mm:ss.fff}, nudge sent +{Since(nudged)}, lb handled +{Since(received)}, "
                    + $"lb joined +{Since(joined)}, first proxied {proxiedAt:HH:mm:ss.fff}: {ms:0} ms");
                string Since(DateTimeOffset? at) => at is { } t ? $"{(t - healthyAt).TotalMilliseconds:0}" : "?";
                await web.StopAsync(TimeSpan.FromSeconds(30));
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
            if (line.Contains(Load.UserAgent, StringComparison.Ordinal))
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

    private static string LbYaml(LocalStack stack, string bucket, string cluster, TempDir dir, IPAddress address, IPEndPoint http, string mode) => $"""
        version: 1
        role: lb
        cluster: {cluster}
        node: {"{"}id: lb-1, instance_id: i-lb-1, address: {address}, state_dir: {dir.Combine("lb-1", "state")}, shutdown_timeout: 10s{"}"}
        {stack.AwsYaml(bucket)}
        status: {"{"}listen: "{address}:9780"{"}"}
        lb:
          http_bind: "{http}"
          allowed_cidrs: [127.0.0.0/8]
          apply: {mode}
          backends:
            - app: shop
              check: {"{"}path: /healthz, interval: 1s, timeout: 500ms, rise: 2, fall: 2{"}"}
        """;

    private static string WebYaml(LocalStack stack, string bucket, string cluster, TempDir dir, string name, NginxServer nginx) => $"""
        version: 1
        role: web
        cluster: {cluster}
        node: {"{"}id: {name}, instance_id: i-{name}, address: {nginx.Address}, state_dir: {dir.Combine(name, "state")}, shutdown_timeout: 10s{"}"}
        {stack.AwsYaml(bucket)}
        status: {"{"}listen: "{nginx.Address}:9780"{"}"}
        web:
          root: {dir.Combine(name, "srv")}
          port: {nginx.Port}
          health: {"{"}path: /healthz, interval: 200ms, timeout: 150ms, rise: 2, fall: 2{"}"}
          apps:
            - name: shop
              repository: {"{"}type: git, url: {dir.Combine("repos", "shop.git")}{"}"}
        """;

    /// <summary>A nodeagent process; its JSON log lines are kept to find events.</summary>
    private sealed class Agent : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly List<string> _lines = [];

        private Agent(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (_lines)
                    {
                        _lines.Add(e.Data);
                    }
                }
            };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public static async Task<Agent> StartAsync(TempDir dir, string name, IPAddress address, string yaml)
        {
            var file = dir.Combine(name + ".yaml");
            await File.WriteAllTextAsync(file, yaml);
            var start = new ProcessStartInfo("dotnet", [RepoPaths.AgentDll, "run", "--user-data", file])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var (k, v) in LocalStack.SdkEnvironment)
            {
                start.Environment[k] = v;
            }

            var agent = new Agent(Process.Start(start) ?? throw new InvalidOperationException("cannot start nodeagent"));
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(90))
            {
                if (agent._process.HasExited)
                {
                    throw new InvalidOperationException($"{name} exited at start:\n{string.Join('\n', agent._lines)}");
                }

                try
                {
                    using var response = await http.GetAsync($"http://{address}:9780/healthz");
                    if (response.IsSuccessStatusCode || name.StartsWith("web", StringComparison.Ordinal))
                    {
                        return agent;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // Starting.
                }

                await Task.Delay(50);
            }

            throw new TimeoutException($"{name} did not start");
        }

        /// <summary>When the web health loop declared the node healthy (event 4001), from the agent's own log.</summary>
        public DateTimeOffset? HealthyAt() => EventAt(4001, string.Empty);

        /// <summary>The time of the last log line with this event id containing <paramref name="text"/>.</summary>
        public DateTimeOffset? EventAt(int eventId, string text)
        {
            lock (_lines)
            {
                foreach (var line in Enumerable.Reverse(_lines))
                {
                    if (line.Contains($"\"EventId\":{eventId},", StringComparison.Ordinal) && line.Contains(text, StringComparison.Ordinal))
                    {
                        using var json = JsonDocument.Parse(line);
                        return DateTimeOffset.Parse(json.RootElement.GetProperty("Timestamp").GetString()!, CultureInfo.InvariantCulture);
                    }
                }
            }

            return null;
        }

        public async Task StopAsync(TimeSpan timeout)
        {
            if (_process.HasExited)
            {
                return;
            }

            Posix.Kill(_process.Id, 15);
            using var cts = new CancellationTokenSource(timeout);
            await _process.WaitForExitAsync(cts.Token);
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await StopAsync(TimeSpan.FromSeconds(15));
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }
    }
}
