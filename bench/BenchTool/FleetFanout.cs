using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Roles.Web.Deploy;
using NodeAgent.Testing;

namespace NodeAgent.Bench;

/// <summary>
/// bench/fleet-fanout: 20 agents on this machine, each with its own state dir, queue and loopback address; one deploy;
/// the time from the start of the publish until all 20 status records say succeeded (from the records' own
/// timestamps, so the polling interval does not count). Run 0 is the fleet's first deploy ever (each node clones its
/// mirror, the publisher and the agents run their deploy code for the first time); it is reported as first_deploy_ms
/// and left out of the median. agents_cpu_ms is the median CPU time all agents together spent during a measured run.
/// </summary>
public static class FleetFanout
{
    public static async Task<string> RunAsync(BenchStack stack, string work, IReadOnlyDictionary<string, string> options)
    {
        var nodes = int.Parse(options.GetValueOrDefault("nodes", "20"), CultureInfo.InvariantCulture);
        var runs = int.Parse(options.GetValueOrDefault("runs", "3"), CultureInfo.InvariantCulture);
        var (repo, commits) = WebFleet.CreateRepo(work);
        var fleet = new WebFleet(stack, work);
        try
        {
            await fleet.StartAsync(repo, nodes, batch: 5, i => $"web-{i + 1:00}", TimeSpan.FromMinutes(3));
            Console.Error.WriteLine($"fleet-fanout: {nodes} agents ready");
            await using var services = stack.PublisherServices();
            var publisher = services.GetRequiredService<DeployPublisher>();
            var statuses = services.GetRequiredService<DeploymentStatusStore>();
            var results = new List<double>();
            var cpuMs = new List<double>();
            var firstMs = 0.0;
            for (var run = 0; run <= runs; run++)
            {
                var idleBefore = CpuSample.Take(fleet.Pids);
                await Task.Delay(2000);
                var idle = CpuSample.Take(fleet.Pids) - idleBefore;
                var cpuBefore = CpuSample.Take(fleet.Pids);
                var started = DateTimeOffset.UtcNow;
                var published = await publisher.PublishAsync("bench", "shop", commits[run % 2], "bench", CancellationToken.None);
                if (published.Targets.Count != nodes)
                {
                    throw new InvalidOperationException($"publish reached {published.Targets.Count} of {nodes} nodes");
                }

                var deadline = DateTimeOffset.UtcNow.AddMinutes(2);
                IReadOnlyList<DeploymentStatus> seen = [];
                while (DateTimeOffset.UtcNow < deadline)
                {
                    seen = await statuses.ListAsync("bench", published.Sequence, CancellationToken.None);
                    if (seen.Count(s => s.State == DeployStates.Succeeded) == nodes)
                    {
                        break;
                    }

                    await Task.Delay(100);
                }

                var done = seen.Where(s => s.State == DeployStates.Succeeded).ToList();
                if (done.Count != nodes)
                {
                    throw new TimeoutException($"only {done.Count} of {nodes} nodes succeeded: {string.Join(", ", seen.Select(s => $"{s.NodeId} {s.State} {s.Detail}"))}");
                }

                var allLive = (done.Max(s => s.UpdatedAt) - started).TotalMilliseconds;
                var cpu = CpuSample.Take(fleet.Pids) - cpuBefore;
                Console.Error.WriteLine(
                    $"fleet-fanout: run {run}{(run == 0 ? " (warm-up, not counted)" : string.Empty)}: all {nodes} live after {allLive:0} ms; " +
                    $"CPU during the deploy: agents {cpu.AgentsMs:0} ms, other children (fauxqs) {cpu.OthersMs:0} ms; idle 2 s before: agents {idle.AgentsMs:0} ms, others {idle.OthersMs:0} ms; " +
                    $"load {ProcFs.LoadAverage()}");
                if (run > 0)
                {
                    results.Add(allLive);
                    cpuMs.Add(cpu.AgentsMs);
                }
                else
                {
                    firstMs = allLive;
                }
            }

            return JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["bench"] = "fleet-fanout",
                ["nodes"] = nodes,
                ["all_live_ms"] = Math.Round(Statistics.Median(results)),
                ["runs"] = runs,
                ["max_ms"] = Math.Round(results.Max()),
                ["first_deploy_ms"] = Math.Round(firstMs),
                ["agents_cpu_ms"] = Math.Round(Statistics.Median(cpuMs)),
            });
        }
        finally
        {
            await fleet.StopAsync(TimeSpan.FromSeconds(20), parallel: int.MaxValue);
        }
    }
}
