using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Roles.Web.Deploy;
using NodeAgent.Testing;

namespace NodeAgent.Bench;

/// <summary>
/// bench/swap-under-load: Debian's nginx serves <c>current</c> (started and supervised by the agent) while a small
/// client keeps requesting it; 100 deploys alternate two revisions. Counts non-2xx answers and answers still showing
/// the old revision for requests that started after the node reported the switch done (its status record's
/// <c>swapped_at</c>).
/// </summary>
public static class SwapUnderLoad
{
    private sealed record Sample(DateTimeOffset StartedAt, DateTimeOffset CompletedAt, int Status, string Body);

    public static async Task<string> RunAsync(BenchStack stack, string work, IReadOnlyDictionary<string, string> options)
    {
        var deploys = int.Parse(options.GetValueOrDefault("deploys", "100"), CultureInfo.InvariantCulture);
        var clients = int.Parse(options.GetValueOrDefault("clients", "8"), CultureInfo.InvariantCulture);
        var git = GitRepo.Create(Path.Combine(work, "repo"), commandTimeout: Timeout.InfiniteTimeSpan);
        var repo = git.Path;
        for (var i = 0; i < 100; i++)
        {
            File.WriteAllText(Path.Combine(repo, $"asset{i}.css"), new string('x', 2000));
        }

        File.WriteAllText(Path.Combine(repo, "index.html"), "revision A\n");
        var revA = git.CommitWorkingTree("A");
        File.WriteAllText(Path.Combine(repo, "index.html"), "revision B\n");
        var revB = git.CommitWorkingTree("B");
        var bodies = new Dictionary<string, string> { [revA] = "revision A\n", [revB] = "revision B\n" };

        var address = BenchAgent.NextAddress();
        var port = LoopbackPorts.Free(address);
        // Started and supervised by the agent: two workers, and keep-alive connections that never have to reconnect.
        var conf = NginxConfig.Write(work, address, port, Path.Combine(work, "web-1", "srv", "shop", "current"),
            workers: 2, connections: 1024, keepaliveRequests: 1_000_000);
        var web = $"  port: {port}\n  server: {{command: {NginxConfig.CommandYaml(conf)}}}\n";
        var userData = stack.WebUserData(work, "web-1", address, repo, web);
        await using var services = stack.PublisherServices();
        var publisher = services.GetRequiredService<DeployPublisher>();
        var statuses = services.GetRequiredService<DeploymentStatusStore>();
        await publisher.PublishAsync("bench", "shop", revB, "bench", CancellationToken.None);
        await using var agent = BenchAgent.Start(userData, Path.Combine(work, "agent.log"));
        await agent.WaitReadyAsync(StatusEndpoint.Healthz(address), TimeSpan.FromMinutes(2));

        var samples = new ConcurrentBag<Sample>();
        using var stop = new CancellationTokenSource();
        var url = new Uri($"http://{address}:{port}/index.html");
        var load = Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 1 }) { Timeout = TimeSpan.FromSeconds(5) };
            while (!stop.IsCancellationRequested)
            {
                var started = DateTimeOffset.UtcNow;
                try
                {
                    using var response = await http.GetAsync(url, stop.Token);
                    var body = await response.Content.ReadAsStringAsync(stop.Token);
                    samples.Add(new Sample(started, DateTimeOffset.UtcNow, (int)response.StatusCode, body));
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    samples.Add(new Sample(started, DateTimeOffset.UtcNow, 0, ex.Message));
                }
            }
        })).ToList();

        var swaps = new List<(DateTimeOffset PublishedAt, DateTimeOffset SwappedAt, string Body)>();
        for (var i = 0; i < deploys; i++)
        {
            var revision = i % 2 == 0 ? revA : revB;
            var publishedAt = DateTimeOffset.UtcNow;
            var published = await publisher.PublishAsync("bench", "shop", revision, "bench", CancellationToken.None);
            var deadline = DateTimeOffset.UtcNow.AddMinutes(1);
            DeploymentStatus? done = null;
            while (done is null && DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(20);
                done = (await statuses.ListAsync("bench", published.Sequence, CancellationToken.None)).FirstOrDefault(s => s.IsTerminal);
            }

            if (done is not { State: DeployStates.Succeeded, SwappedAt: { } swappedAt })
            {
                throw new InvalidOperationException($"deploy {i} (sequence {published.Sequence}) did not succeed: {done?.State} {done?.Detail}");
            }

            swaps.Add((publishedAt, swappedAt, bodies[revision]));
        }

        await Task.Delay(500);
        await stop.CancelAsync();
        await Task.WhenAll(load);

        var all = samples.ToList();
        var failed = all.Count(s => s.Status is < 200 or > 299);
        var stale = 0;
        // Stale: the answer shows neither the revision switched in before the request started, nor a newer one that
        // may already have been switched in before it completed (its publish began before then: the switch is visible
        // at the rename, a moment before the agent records swapped_at after the directory fsync).
        foreach (var sample in all.Where(s => s.Status is >= 200 and <= 299))
        {
            var k = swaps.FindLastIndex(w => w.SwappedAt <= sample.StartedAt);
            if (k < 0)
            {
                continue;
            }

            var acceptable = swaps.Skip(k).TakeWhile(w => w == swaps[k] || w.PublishedAt <= sample.CompletedAt).Select(w => w.Body);
            if (!acceptable.Contains(sample.Body))
            {
                stale++;
                if (stale <= 5)
                {
                    Console.Error.WriteLine($"swap-under-load: stale answer '{sample.Body.Trim()}' to a request started {(sample.StartedAt - swaps[k].SwappedAt).TotalMilliseconds:0.0} ms after the switch to '{swaps[k].Body.Trim()}'");
                }
            }
        }

        var inFlight = all.Count(s => s.Status is >= 200 and <= 299 && swaps.Any(w => w.SwappedAt > s.StartedAt && w.SwappedAt <= s.CompletedAt));
        Console.Error.WriteLine($"swap-under-load: {inFlight} requests were in flight across a switch; median request {Statistics.Median(all.Select(s => (s.CompletedAt - s.StartedAt).TotalMilliseconds)):0.00} ms");

        return JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["bench"] = "swap-under-load",
            ["deploys"] = deploys,
            ["requests"] = all.Count,
            ["failed"] = failed,
            ["stale_after_swap"] = stale,
            // Releases built as deltas of the one before (hard links, only index.html written), from event 3014:
            // the swaps above ran with delta releases on (the default) unless this is 0.
            ["delta_builds"] = File.ReadLines(Path.Combine(work, "agent.log")).Count(l => l.Contains("\"EventId\":3014", StringComparison.Ordinal) && l.Contains("as a delta of", StringComparison.Ordinal)),
        });
    }
}
