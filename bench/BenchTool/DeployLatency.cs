using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Roles.Web.Deploy;
using NodeAgent.Testing;

namespace NodeAgent.Bench;

/// <summary>
/// bench/deploy-latency: time from publish to <c>current</c> switched on one node for a ~50 MB / ~5,000-file repo and a
/// small delta commit, against the bare floor measured in the same run: <c>git fetch</c> + <c>git archive | tar -x</c>
/// + <c>mv -T</c> of the same commit by hand.
/// </summary>
public static class DeployLatency
{
    public static async Task<string> RunAsync(BenchStack stack, string work, IReadOnlyDictionary<string, string> options)
    {
        var runs = int.Parse(options.GetValueOrDefault("runs", "7"), CultureInfo.InvariantCulture);
        var files = int.Parse(options.GetValueOrDefault("files", "5000"), CultureInfo.InvariantCulture);
        var fileBytes = int.Parse(options.GetValueOrDefault("file-bytes", "10240"), CultureInfo.InvariantCulture);
        var git = GitRepo.Create(Path.Combine(work, "repo"), commandTimeout: Timeout.InfiniteTimeSpan);
        var repo = git.Path;
        var random = new Random(42);
        for (var i = 0; i < files; i++)
        {
            var path = Path.Combine(repo, $"d{i / 100:000}", $"f{i:00000}.bin");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var bytes = new byte[fileBytes];
            random.NextBytes(bytes);
            File.WriteAllBytes(path, bytes);
        }

        var first = git.CommitWorkingTree("initial");
        Console.Error.WriteLine($"deploy-latency: repo of {files} files, {(long)files * fileBytes / 1_000_000} MB, commit {first[..12]}");
        var floorMirror = Path.Combine(work, "floor.git");
        ProgramRunner.Run(work, "git", ["clone", "-q", "--mirror", repo, floorMirror]);
        Directory.CreateDirectory(Path.Combine(work, "floor-releases"));

        var address = BenchAgent.NextAddress();
        var userData = stack.WebUserData(work, "web-1", address, repo);
        await using var agent = BenchAgent.Start(userData, Path.Combine(work, "agent.log"));
        await agent.WaitReadyAsync(StatusEndpoint.Healthz(address), TimeSpan.FromMinutes(2));
        await using var services = stack.PublisherServices();
        var publisher = services.GetRequiredService<DeployPublisher>();
        var current = Path.Combine(work, "web-1", "srv", "shop", "current");
        await DeployAndWaitAsync(publisher, first, current, TimeSpan.FromMinutes(3));

        var agentMs = new List<double>();
        var floorMs = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            for (var k = 0; k < 3; k++)
            {
                var bytes = new byte[fileBytes];
                random.NextBytes(bytes);
                File.WriteAllBytes(Path.Combine(repo, "d000", $"f{(run * 3) + k:00000}.bin"), bytes);
            }

            var commit = git.CommitWorkingTree($"delta {run}");
            if (run % 2 == 0)
            {
                agentMs.Add(await DeployAndWaitAsync(publisher, commit, current, TimeSpan.FromMinutes(2)));
                floorMs.Add(Floor(work, floorMirror, commit, run));
            }
            else
            {
                floorMs.Add(Floor(work, floorMirror, commit, run));
                agentMs.Add(await DeployAndWaitAsync(publisher, commit, current, TimeSpan.FromMinutes(2)));
            }

            Console.Error.WriteLine($"deploy-latency: run {run + 1}/{runs}: agent {agentMs[^1]:0} ms, floor {floorMs[^1]:0} ms");
        }

        var a = Statistics.Median(agentMs);
        var f = Statistics.Median(floorMs);
        return JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["bench"] = "deploy-latency",
            ["agent_ms"] = Math.Round(a),
            ["floor_ms"] = Math.Round(f),
            ["ratio"] = Math.Round(a / f, 3),
            ["target_ms"] = Math.Round((1.2 * f) + 150),
            ["runs"] = runs,
            ["files"] = files,
        });
    }

    /// <summary>Publishes <paramref name="commit"/> and returns the milliseconds until <c>current</c> points at it.</summary>
    private static async Task<double> DeployAndWaitAsync(DeployPublisher publisher, string commit, string current, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var published = await publisher.PublishAsync("bench", "shop", commit, "bench", CancellationToken.None);
        var marker = $"-{published.Sequence}-{commit[..12]}";
        while (clock.Elapsed < timeout)
        {
            if (new FileInfo(current).LinkTarget is { } target && target.EndsWith(marker, StringComparison.Ordinal))
            {
                return clock.Elapsed.TotalMilliseconds;
            }

            await Task.Delay(1);
        }

        throw new TimeoutException($"current did not switch to {commit} within {timeout}");
    }

    private static double Floor(string work, string mirror, string commit, int run)
    {
        var temp = Path.Combine(work, "floor-releases", $".tmp-{run}");
        var target = Path.Combine(work, "floor-releases", $"r{run}");
        var clock = Stopwatch.StartNew();
        ProgramRunner.Run(work, "bash", ["-c", "set -eo pipefail; git -C \"$1\" fetch -q --prune origin; mkdir \"$3\"; git -C \"$1\" archive \"$2\" | tar -x -C \"$3\"; mv -T \"$3\" \"$4\"",
            "floor", mirror, commit, temp, target]);
        return clock.Elapsed.TotalMilliseconds;
    }
}
