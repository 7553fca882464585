using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Roles.Web.Deploy;
using NodeAgent.Testing;

namespace NodeAgent.Bench;

/// <summary>
/// bench/deploy-latency: time from publish to <c>current</c> switched on one node for a ~50 MB / ~5,000-file repo, for
/// the two kinds of deploy, against the bare floor measured in the same runs (<c>git fetch</c> +
/// <c>git archive | tar -x</c> + <c>mv -T</c> of the same commit by hand):
/// <list type="bullet">
/// <item><b>delta</b>: app <c>shop</c>, whose previous release is present: each run changes 3 files, so the agent links
/// the other 4,997 from the previous release and writes 3;</item>
/// <item><b>cold</b>: app <c>cold</c> on the same repository, whose releases and <c>current</c> the bench removes
/// before each of its deploys, so the agent finds no previous release and writes every file.</item>
/// </list>
/// Each run deploys one new commit three ways (delta, cold, floor) in a rotating order; the medians are reported with
/// the highest 1-minute load average seen during the runs.
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
        Log($"repo of {files} files, {(long)files * fileBytes / 1_000_000} MB, commit {first[..12]}");
        var floorMirror = Path.Combine(work, "floor.git");
        ProgramRunner.Run(work, "git", ["clone", "-q", "--mirror", repo, floorMirror]);
        Directory.CreateDirectory(Path.Combine(work, "floor-releases"));

        var address = BenchAgent.NextAddress();
        var apps = $"  apps:\n    - name: shop\n      repository: {{type: git, url: \"{repo}\"}}\n    - name: cold\n      repository: {{type: git, url: \"{repo}\"}}";
        var userData = stack.WebUserData(work, "web-1", address, repo, apps: apps);
        await using var agent = BenchAgent.Start(userData, Path.Combine(work, "agent.log"));
        await agent.WaitReadyAsync(StatusEndpoint.Healthz(address), TimeSpan.FromMinutes(2));
        await using var services = stack.PublisherServices();
        var publisher = services.GetRequiredService<DeployPublisher>();
        var srv = Path.Combine(work, "web-1", "srv");
        // Warm-up, not measured: each app's first deploy clones its mirror.
        await DeployAndWaitAsync(publisher, "shop", first, srv, TimeSpan.FromMinutes(3));
        await DeployAndWaitAsync(publisher, "cold", first, srv, TimeSpan.FromMinutes(3));

        // ext4 without a journal (this machine's root file system) skips, and reads the inode-table block of, every
        // inode freed within dirty_expire_centisecs (30 s) when it allocates a new one: the last bench's work directory,
        // deleted at the start, made every file created in the first half minute slower, the floor's and the agent's
        // alike, and by different amounts. Measure once those deletions are old.
        var settle = TimeSpan.FromSeconds(int.Parse(options.GetValueOrDefault("settle-seconds", "35"), CultureInfo.InvariantCulture));
        Log($"letting the file system settle for {settle.TotalSeconds:0} s after the setup's deletions");
        await Task.Delay(settle);

        var deltaMs = new List<double>();
        var coldMs = new List<double>();
        var floorMs = new List<double>();
        var loads = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            for (var k = 0; k < 3; k++)
            {
                var bytes = new byte[fileBytes];
                random.NextBytes(bytes);
                File.WriteAllBytes(Path.Combine(repo, "d000", $"f{(run * 3) + k:00000}.bin"), bytes);
            }

            var commit = git.CommitWorkingTree($"delta {run}");
            loads.Add(LoadAverage());
            var steps = new Func<Task>[]
            {
                async () => deltaMs.Add(await DeployAndWaitAsync(publisher, "shop", commit, srv, TimeSpan.FromMinutes(2))),
                async () =>
                {
                    RemoveReleases(Path.Combine(srv, "cold"), Path.Combine(work, "cold-aside"));
                    coldMs.Add(await DeployAndWaitAsync(publisher, "cold", commit, srv, TimeSpan.FromMinutes(2)));
                },
                () =>
                {
                    floorMs.Add(Floor(work, floorMirror, commit, run));
                    return Task.CompletedTask;
                },
            };
            for (var s = 0; s < steps.Length; s++)
            {
                await steps[(run + s) % steps.Length]();
            }

            loads.Add(LoadAverage());
            Log($"run {run + 1}/{runs}: delta {deltaMs[^1]:0} ms, cold {coldMs[^1]:0} ms, floor {floorMs[^1]:0} ms (load {loads[^1]:0.00})");
        }

        if (Directory.Exists(Path.Combine(work, "cold-aside")))
        {
            Directory.Delete(Path.Combine(work, "cold-aside"), recursive: true);
        }

        var d = Statistics.Median(deltaMs);
        var c = Statistics.Median(coldMs);
        var f = Statistics.Median(floorMs);
        Log($"targets: delta_ratio <= 0.25, cold_ms <= 1.2 x floor + 150 = {(1.2 * f) + 150:0} ms; agent timelines (event 3056) are in {Path.Combine(work, "agent.log")}");
        return JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["bench"] = "deploy-latency",
            ["agent_ms"] = Math.Round(c),
            ["floor_ms"] = Math.Round(f),
            ["delta_ms"] = Math.Round(d),
            ["delta_ratio"] = Math.Round(d / f, 3),
            ["cold_ms"] = Math.Round(c),
            ["cold_ratio"] = Math.Round(c / f, 3),
            ["load"] = Math.Round(loads.Max(), 2),
        });
    }

    /// <summary>Publishes <paramref name="commit"/> for <paramref name="app"/> and returns the milliseconds until its
    /// <c>current</c> points at it.</summary>
    private static async Task<double> DeployAndWaitAsync(DeployPublisher publisher, string app, string commit, string srv, TimeSpan timeout)
    {
        var current = Path.Combine(srv, app, "current");
        var clock = Stopwatch.StartNew();
        var published = await publisher.PublishAsync("bench", app, commit, "bench", CancellationToken.None);
        var marker = $"-{published.Sequence}-{commit[..12]}";
        while (clock.Elapsed < timeout)
        {
            if (new FileInfo(current).LinkTarget is { } target && target.EndsWith(marker, StringComparison.Ordinal))
            {
                return clock.Elapsed.TotalMilliseconds;
            }

            await Task.Delay(1);
        }

        throw new TimeoutException($"current of {app} did not switch to {commit} within {timeout}");
    }

    /// <summary>
    /// Takes away the cold app's releases and <c>current</c> (the agent is idle between deploys), so its next deploy
    /// finds no previous release: the first deploy of a node, every time. They are moved aside (a rename on the same file
    /// system), not deleted, and deleted once the runs are over: on ext4 without a journal (this development machine's
    /// root file system) the inode allocator skips every inode freed within the last ~30 s and reads its inode-table
    /// block to find out (<c>recently_deleted</c>, <c>perf</c>), so 5,000 files deleted just before the deploy made it
    /// create its 5,000 files two to four times slower. A new node's first deploy follows no deletion, and neither does
    /// the floor here (its extractions are kept).
    /// </summary>
    private static void RemoveReleases(string appDir, string trash)
    {
        var aside = Path.Combine(trash, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(aside);
        File.Delete(Path.Combine(appDir, "current"));
        var releases = Path.Combine(appDir, "releases");
        if (Directory.Exists(releases))
        {
            Directory.Move(releases, Path.Combine(aside, "releases"));
        }
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

    private static double LoadAverage() => double.Parse(ProcFs.LoadAverage().Split(' ')[0], CultureInfo.InvariantCulture);

    private static void Log(string line) => Console.Error.WriteLine($"deploy-latency: {line}");
}
