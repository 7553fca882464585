using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Registry;
using NodeAgent.Roles.Web.Deploy;
using NodeAgent.Testing;

namespace NodeAgent.Bench;

/// <summary>
/// bench/scale: N web agents on this machine (default 50), each its own process, state dir, queue, loopback address and
/// user-data file, against the bench's fauxqs. Measures (1) deploy fan-out: publish → all N status records say
/// succeeded, median over a few deploys; (2) registry listing: all N nodes through the agent's own registry code
/// (cold, as <c>nodeagent status --cluster</c> does it; warm, as an lb does it with its ETag cache) and through the
/// real CLI; (3) each node's idle AWS requests over a window (default 600 s): the agents' own
/// <c>nodeagent_aws_requests_total</c> counters scraped from /metrics before and after, checked against fauxqs's
/// server-side count, priced at list prices and extrapolated linearly to a 30-day month; compared with the
/// figure docs/cost.md models from the default intervals.
/// </summary>
public static partial class Scale
{
    private const double SecondsPerMonth = 30 * 86400;

    // AWS list prices, us-east-1 (docs/cost.md): per request.
    private const double S3Tier1 = 0.005 / 1000;   // PUT, COPY, POST, LIST
    private const double S3Tier2 = 0.0004 / 1000;  // GET, HEAD and the rest
    private const double SqsRequest = 0.40 / 1_000_000;

    public static async Task<string> RunAsync(BenchStack stack, string work, IReadOnlyDictionary<string, string> options)
    {
        var count = Int(options, "agents", 50);
        var runs = Int(options, "runs", 3);
        var idleSeconds = Int(options, "idle-seconds", 600);
        var listRuns = Int(options, "list-runs", 7);
        var batch = Int(options, "batch", 10);
        var countFile = Environment.GetEnvironmentVariable("FAUXQS_COUNT_FILE");

        var (repo, commits) = WebFleet.CreateRepo(work);

        // The one fauxqs stands in for S3 and SQS, which do not share the agents' CPU in production: on a box shared by
        // 50 agents (and other engineers' suites) it must not starve, or every agent times out and retries.
        Renice(Environment.ProcessId, "fauxqs-server.mjs", -10);
        var fleet = new WebFleet(stack, work);
        var load = new List<string> { Load() };
        try
        {
            var startClock = Stopwatch.StartNew();
            await fleet.StartAsync(repo, count, batch, i => $"web-{i + 1:000}", TimeSpan.FromMinutes(5));
            var agents = fleet.Agents;
            var rssReady = agents.Select(a => ProcFs.RssMb(a.Process.Pid)).ToList();
            Log($"{count} agents ready in {startClock.Elapsed.TotalSeconds:0} s; RSS per agent median {Statistics.Median(rssReady):0} MB, max {rssReady.Max():0} MB; {Mem()}");
            load.Add(Load());

            await using var services = stack.PublisherServices();
            var (fanout, incomplete) = await FanOutAsync(services, count, runs, commits, TimeSpan.FromSeconds(Int(options, "deploy-timeout", 240)));
            load.Add(Load());

            var (listCold, listWarm) = await ListAsync(stack, count, listRuns);
            var statusCli = StatusCli(agents[0].UserData, count, 3);
            load.Add(Load());

            // Idle window: nothing but the agents' own loops talks to fauxqs (the bench only scrapes local /metrics).
            await Task.Delay(TimeSpan.FromSeconds(5));
            var before = await ScrapeAllAsync(agents);
            var serverBefore = await ServerCountsAsync(countFile);
            var serverBeforeAt = Stopwatch.GetTimestamp();
            var idleClock = Stopwatch.StartNew();
            Log($"idle window: {idleSeconds} s");
            while (idleClock.Elapsed < TimeSpan.FromSeconds(idleSeconds))
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(60, Math.Max(1, idleSeconds - idleClock.Elapsed.TotalSeconds))));
                if (agents.FirstOrDefault(a => a.Process.HasExited) is { } dead)
                {
                    throw new InvalidOperationException($"agent on {dead.Address} exited during the idle window");
                }

                if (idleClock.Elapsed.TotalSeconds < idleSeconds - 1)
                {
                    load.Add(Load());
                    Log($"idle {idleClock.Elapsed.TotalSeconds:0}/{idleSeconds} s, load {load[^1]}");
                }
            }

            var after = await ScrapeAllAsync(agents);
            var serverAfter = await ServerCountsAsync(countFile);
            var serverAfterAt = Stopwatch.GetTimestamp();
            var window = idleClock.Elapsed.TotalSeconds;
            var rssIdle = agents.Select(a => ProcFs.RssMb(a.Process.Pid)).ToList();
            load.Add(Load());

            var serverWindow = Stopwatch.GetElapsedTime(serverBeforeAt, serverAfterAt).TotalSeconds;
            var perNode = before.Zip(after, (b, a) => (Delta: Delta(b.Counts, a.Counts), Seconds: Stopwatch.GetElapsedTime(b.At, a.At).TotalSeconds)).ToList();
            var perNodeTotals = perNode.Select(d => d.Delta.Values.Sum() * window / d.Seconds).ToList();
            var perNodeUsd = perNode.Select(d => Price(d.Delta) * SecondsPerMonth / d.Seconds).ToList();
            var agentTotal = perNode.SelectMany(d => d.Delta).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value));
            var serverTotal = Delta(serverBefore, serverAfter);
            foreach (var (op, n) in agentTotal.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                Log($"idle {op}: agents counted {n} over their scrape-to-scrape windows (median {Statistics.Median(perNode.Select(d => d.Seconds)):0} s); fauxqs saw {serverTotal.GetValueOrDefault(op)} in {serverWindow:0} s, per node per month {serverTotal.GetValueOrDefault(op) / (double)count * SecondsPerMonth / serverWindow:0}");
            }

            foreach (var (op, n) in serverTotal.Where(kv => !agentTotal.ContainsKey(kv.Key)))
            {
                Log($"idle {op}: fauxqs saw {n} requests the agents did not count");
            }

            // fauxqs's count over its own window: every request of the window, whichever agent sent it (the bench sends none).
            var serverUsd = countFile is null ? double.NaN : Price(serverTotal) / count * SecondsPerMonth / serverWindow;
            var modelled = ModelledWebNodeUsd(apps: 1);
            var usd = Statistics.Median(perNodeUsd);
            Log($"idle cost per web node per month: median ${usd:0.0000} (min ${perNodeUsd.Min():0.0000}, max ${perNodeUsd.Max():0.0000}); from fauxqs's count ${serverUsd:0.0000}; docs/cost.md models ${modelled:0.0000}");
            Log($"RSS per agent after the idle window: median {Statistics.Median(rssIdle):0} MB, max {rssIdle.Max():0} MB, total {rssIdle.Sum() / 1024:0.0} GB; {Mem()}");

            return JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["bench"] = "scale",
                ["agents"] = count,
                ["fanout_ms"] = fanout.Count > 0 ? Math.Round(Statistics.Median(fanout)) : null,
                ["idle_usd_per_web_node_month"] = Math.Round(usd, 4),
                ["fanout_runs"] = fanout.Count,
                ["fanout_incomplete"] = incomplete,
                ["fanout_max_ms"] = fanout.Count > 0 ? Math.Round(fanout.Max()) : null,
                ["list_ms"] = listCold.Count > 0 ? Math.Round(Statistics.Median(listCold)) : null,
                ["list_warm_ms"] = Math.Round(Statistics.Median(listWarm)),
                ["status_cli_ms"] = statusCli.Count > 0 ? Math.Round(Statistics.Median(statusCli)) : null,
                ["idle_seconds"] = Math.Round(window),
                ["idle_requests_per_node"] = Math.Round(Statistics.Median(perNodeTotals), 1),
                ["idle_requests_per_node_month"] = Math.Round(Statistics.Median(perNodeTotals) * SecondsPerMonth / window),
                ["idle_requests_agents"] = agentTotal.Values.Sum(),
                ["idle_requests_fauxqs"] = serverTotal.Values.Sum(),
                ["idle_usd_per_web_node_month_fauxqs"] = double.IsNaN(serverUsd) ? null : Math.Round(serverUsd, 4),
                ["modelled_usd_per_web_node_month"] = Math.Round(modelled, 4),
                ["modelled_requests_per_node_month"] = Math.Round(ModelledWebNodeRequests(apps: 1)),
                ["ratio_vs_model"] = Math.Round(usd / modelled, 2),
                ["target_usd"] = 0.25,
                ["rss_mb_per_agent"] = Math.Round(Statistics.Median(rssIdle)),
                ["load"] = string.Join(' ', load.Select(l => l.Split(' ')[0])),
            });
        }
        finally
        {
            await fleet.StopAsync(TimeSpan.FromSeconds(30), parallel: 10);
        }
    }

    /// <summary>
    /// docs/cost.md's model at the default intervals: heartbeat PUT every 120 s, an empty SQS long poll every 20 s, and
    /// the deploy safety poll (one GET of desired.json per app every 5 min).
    /// </summary>
    public static double ModelledWebNodeUsd(int apps)
        => (SecondsPerMonth / 120 * S3Tier1) + (SecondsPerMonth / 20 * SqsRequest) + (apps * SecondsPerMonth / 300 * S3Tier2);

    /// <summary>The requests behind <see cref="ModelledWebNodeUsd"/>.</summary>
    public static double ModelledWebNodeRequests(int apps)
        => (SecondsPerMonth / 120) + (SecondsPerMonth / 20) + (apps * SecondsPerMonth / 300);

    /// <summary>The list price of a set of requests keyed "service:operation".</summary>
    public static double Price(IReadOnlyDictionary<string, long> requests)
        => requests.Sum(kv => kv.Value * UnitPrice(kv.Key));

    private static double UnitPrice(string key)
    {
        var (service, op) = (key[..key.IndexOf(':', StringComparison.Ordinal)], key[(key.IndexOf(':', StringComparison.Ordinal) + 1)..]);
        return service switch
        {
            "sqs" => SqsRequest,
            "s3" when op is "DeleteObject" or "AbortMultipartUpload" => 0,
            "s3" when op.StartsWith("Put", StringComparison.Ordinal) || op.StartsWith("List", StringComparison.Ordinal)
                || op.StartsWith("Copy", StringComparison.Ordinal) || op.StartsWith("Post", StringComparison.Ordinal)
                || op is "CreateMultipartUpload" or "UploadPart" or "CompleteMultipartUpload" or "DeleteObjects" or "CreateBucket" => S3Tier1,
            "s3" => S3Tier2,
            _ => 0,
        };
    }

    /// <summary>
    /// One warm-up deploy and <paramref name="runs"/> timed ones. A deploy that has not succeeded on every node within
    /// the deadline is logged with the nodes it is missing and counted as incomplete (not in the median); the next
    /// deploy supersedes it.
    /// </summary>
    private static async Task<(List<double> Done, int Incomplete)> FanOutAsync(ServiceProvider services, int count, int runs, IReadOnlyList<string> commits, TimeSpan deadlineAfter)
    {
        var publisher = services.GetRequiredService<DeployPublisher>();
        var statuses = services.GetRequiredService<DeploymentStatusStore>();
        var results = new List<double>();
        var incomplete = 0;
        for (var run = 0; run <= runs; run++)
        {
            var started = DateTimeOffset.UtcNow;
            PublishResult published;
            try
            {
                published = await publisher.PublishAsync("bench", "shop", commits[run % 2], "bench", CancellationToken.None);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log($"fan-out run {run}: publish failed ({ex.GetType().Name}: {ex.Message}); incomplete, not in the median; load {Load()}");
                incomplete += run > 0 ? 1 : 0;
                await Task.Delay(TimeSpan.FromSeconds(10));
                continue;
            }

            if (published.Targets.Count != count)
            {
                throw new InvalidOperationException($"publish reached {published.Targets.Count} of {count} nodes");
            }

            var deadline = DateTimeOffset.UtcNow + deadlineAfter;
            IReadOnlyList<DeploymentStatus> seen = [];
            while (DateTimeOffset.UtcNow < deadline)
            {
                try
                {
                    seen = await statuses.ListAsync("bench", published.Sequence, CancellationToken.None);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The bench's own look failed (fauxqs starved on a loaded box); the agents' records are still there.
                    Log($"fan-out run {run}: reading the status records failed ({ex.GetType().Name}); looking again");
                }

                if (seen.Count(s => s.State == DeployStates.Succeeded) == count)
                {
                    break;
                }

                // Each look is a LIST + one GET per node on the one fauxqs all agents use: look every 2 s.
                await Task.Delay(2000);
            }

            var done = seen.Where(s => s.State == DeployStates.Succeeded).ToList();
            if (done.Count != count)
            {
                var missing = published.Targets.Except(done.Select(s => s.NodeId), StringComparer.Ordinal).ToList();
                Log($"fan-out run {run}: only {done.Count} of {count} nodes succeeded within {deadlineAfter.TotalSeconds:0} s (missing {string.Join(", ", missing)}); incomplete, not in the median; load {Load()}");
                if (run > 0)
                {
                    incomplete++;
                }

                continue;
            }

            // From the status records' own timestamps, so the polling above does not count.
            var allLive = (done.Max(s => s.UpdatedAt) - started).TotalMilliseconds;
            Log($"fan-out run {run}{(run == 0 ? " (warm-up, not counted)" : string.Empty)}: all {count} succeeded after {allLive:0} ms; load {Load()}");
            if (run > 0)
            {
                results.Add(allLive);
            }

            await Task.Delay(TimeSpan.FromSeconds(2));
        }

        return (results, incomplete);
    }

    /// <summary>
    /// Lists the web role through <see cref="INodeRegistry"/>. Cold: a fresh client each time (LIST + one GET per node,
    /// what <c>nodeagent status --cluster</c> does). Warm: one client reused, so unchanged records come from its ETag
    /// cache (what an lb's sync does).
    /// </summary>
    private static async Task<(List<double> Cold, List<double> Warm)> ListAsync(BenchStack stack, int count, int runs)
    {
        var cold = new List<double>();
        for (var i = 0; i <= runs; i++)
        {
            await using var fresh = stack.PublisherServices();
            var registry = fresh.GetRequiredService<INodeRegistry>();
            var clock = Stopwatch.StartNew();
            RegistryListing listing;
            try
            {
                listing = await registry.ListAsync("bench", "web", CancellationToken.None);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log($"cold listing {i} failed ({ex.GetType().Name}: {ex.Message}); not counted");
                continue;
            }

            clock.Stop();
            Check(listing, count);
            if (i > 0)
            {
                cold.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        var warm = new List<double>();
        await using var services = stack.PublisherServices();
        var reused = services.GetRequiredService<INodeRegistry>();
        Check(await reused.ListAsync("bench", "web", CancellationToken.None), count);
        for (var i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            var listing = await reused.ListAsync("bench", "web", CancellationToken.None);
            clock.Stop();
            Check(listing, count);
            warm.Add(clock.Elapsed.TotalMilliseconds);
        }

        Log($"registry listing of {count} nodes: cold median {Statistics.Median(cold):0} ms, warm (ETag cache) median {Statistics.Median(warm):0} ms");
        return (cold, warm);
    }

    private static void Check(RegistryListing listing, int count)
    {
        if (listing.Live.Count() != count)
        {
            throw new InvalidOperationException($"registry listing shows {listing.Live.Count()} live nodes of {count} ({listing.Entries.Count} entries, {listing.Rejects.Count} rejects)");
        }
    }

    /// <summary><c>nodeagent status --cluster bench</c> as an operator runs it: a whole process, start-up included.</summary>
    private static List<double> StatusCli(string userData, int count, int runs)
    {
        var times = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            string output;
            try
            {
                output = ProgramRunner.Run(RepoPaths.Root, "dotnet", [RepoPaths.AgentDll, "status", "--cluster", "bench", "--user-data", userData]);
            }
            catch (InvalidOperationException ex)
            {
                Log($"nodeagent status --cluster failed, not counted: {ex.Message}");
                continue;
            }

            clock.Stop();
            var rows = WebRow().Matches(output).Select(m => m.Value).Distinct(StringComparer.Ordinal).Count();
            if (rows != count)
            {
                throw new InvalidOperationException($"nodeagent status --cluster listed {rows} web nodes of {count}:\n{output}");
            }

            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        Log($"nodeagent status --cluster ({count} nodes, process start-up included): median {Statistics.Median(times):0} ms");
        return times;
    }

    /// <summary>Each agent's counters and when they were read (the window is per agent: 50 scrapes take a while).</summary>
    private static async Task<List<(Dictionary<string, long> Counts, long At)>> ScrapeAllAsync(IReadOnlyList<WebAgent> agents)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var results = new List<(Dictionary<string, long> Counts, long At)>();
        foreach (var agent in agents)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    var text = await http.GetStringAsync(StatusEndpoint.Metrics(agent.Address));
                    results.Add((ParseCounters(text), Stopwatch.GetTimestamp()));
                    break;
                }
                catch (Exception ex) when (attempt < 3 && ex is HttpRequestException or TaskCanceledException)
                {
                    await Task.Delay(1000);
                }
            }
        }

        return results;
    }

    /// <summary>The <c>nodeagent_aws_requests_total</c> samples of a Prometheus text page, keyed "service:operation".</summary>
    public static Dictionary<string, long> ParseCounters(string metrics)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (Match m in CounterLine().Matches(metrics))
        {
            var labels = m.Groups["labels"].Value;
            var service = Label().Matches(labels).FirstOrDefault(l => l.Groups[1].Value == "service")?.Groups[2].Value ?? "?";
            var op = Label().Matches(labels).FirstOrDefault(l => l.Groups[1].Value == "operation")?.Groups[2].Value ?? "?";
            counts[$"{service}:{op}"] = (long)double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
        }

        return counts;
    }

    private static async Task<Dictionary<string, long>> ServerCountsAsync(string? file)
    {
        if (file is null)
        {
            return [];
        }

        await Task.Delay(1200); // the preload flushes twice a second
        if (!File.Exists(file))
        {
            throw new InvalidOperationException($"fauxqs wrote no request counts to {file}: was bench/scale/count-requests.mjs preloaded?");
        }

        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(file));
        return doc.RootElement.GetProperty("counts").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64(), StringComparer.Ordinal);
    }

    private static Dictionary<string, long> Delta(Dictionary<string, long> before, Dictionary<string, long> after)
        => after.Select(kv => (kv.Key, Value: kv.Value - before.GetValueOrDefault(kv.Key)))
            .Where(kv => kv.Value != 0)
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    /// <summary>Sets the nice value of this process's child whose command line contains <paramref name="marker"/>.</summary>
    private static void Renice(int parent, string marker, int nice)
    {
        foreach (var pid in ProcFs.Pids())
        {
            if (ProcFs.ParentPid(pid) == parent && ProcFs.CommandLine(pid).Contains(marker, StringComparison.Ordinal))
            {
                var id = pid.ToString(CultureInfo.InvariantCulture);
                ProgramRunner.Run("/", "renice", ["-n", nice.ToString(CultureInfo.InvariantCulture), "-p", id]);
                Log($"fauxqs (pid {id}) runs at nice {nice}");
                return;
            }
        }

        Log("fauxqs process not found; not reniced");
    }

    private static string Load() => ProcFs.LoadAverage();

    private static string Mem() => $"MemAvailable {ProcFs.MemAvailableGb():0.0} GB";

    private static int Int(IReadOnlyDictionary<string, string> options, string name, int fallback)
        => options.TryGetValue(name, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static void Log(string message) => Console.Error.WriteLine($"scale: {DateTime.UtcNow:HH:mm:ss} {message}");

    [GeneratedRegex(@"^nodeagent_aws_requests_total\{(?<labels>[^}]*)\}\s+(?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex CounterLine();

    [GeneratedRegex(@"(\w+)=""([^""]*)""")]
    private static partial Regex Label();

    [GeneratedRegex(@"\bweb-\d{3}\b")]
    private static partial Regex WebRow();
}
