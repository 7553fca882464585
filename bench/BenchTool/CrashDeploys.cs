using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Roles.Web.Deploy;
using NodeAgent.Testing;

namespace NodeAgent.Bench;

/// <summary>
/// bench/crash-deploys: 200 deploys, each interrupted by kill -9 of the agent at a random moment, then a restart;
/// shared by <c>--workers</c> nodes (own agent, queue, state and app dir each) so the restarts overlap.
/// After every kill, <c>current</c> must resolve to a complete release (every file of its commit's MANIFEST present
/// with the right size and content, no partial marker); after every restart the node must have cleaned up and
/// converged. Consecutive commits share three quarters of their files, so releases are built as deltas (hard links to
/// the release before): <c>delta_builds</c> counts them from the agents' logs.
/// </summary>
public static class CrashDeploys
{
    public static async Task<string> RunAsync(BenchStack stack, string work, IReadOnlyDictionary<string, string> options)
    {
        var deploys = int.Parse(options.GetValueOrDefault("deploys", "200"), CultureInfo.InvariantCulture);
        var maxDelayMs = int.Parse(options.GetValueOrDefault("max-delay-ms", "1500"), CultureInfo.InvariantCulture);
        var git = GitRepo.Create(Path.Combine(work, "repo"), commandTimeout: Timeout.InfiniteTimeSpan);
        var repo = git.Path;
        var commits = new List<string>();
        var random = new Random(7);
        // Commit 0 writes 400 files; each later one rewrites a quarter of them, so most deploys are delta releases that
        // link most files from the release before and write the rest. MANIFEST gives each file's size and a hash of its
        // content, so a file linked from the wrong release is caught.
        var contents = new string[400];
        for (var c = 0; c < 4; c++)
        {
            var manifest = new StringBuilder();
            for (var i = 0; i < contents.Length; i++)
            {
                if (c == 0 || i % 4 == c)
                {
                    contents[i] = new string((char)('a' + c), 1000 + (i * 7 % 3000) + c);
                }

                var name = $"dir{i % 20}/file{i}.txt";
                Directory.CreateDirectory(Path.Combine(repo, Path.GetDirectoryName(name)!));
                File.WriteAllText(Path.Combine(repo, name), contents[i]);
                manifest.Append(CultureInfo.InvariantCulture, $"{name} {contents[i].Length} {Hash(Encoding.UTF8.GetBytes(contents[i]))}\n");
            }

            File.WriteAllText(Path.Combine(repo, "MANIFEST"), manifest.ToString());
            commits.Add(git.CommitWorkingTree($"tree {c}"));
        }

        var workers = int.Parse(options.GetValueOrDefault("workers", "4"), CultureInfo.InvariantCulture);
        await using var services = stack.PublisherServices();
        var publisher = services.GetRequiredService<DeployPublisher>();
        var totals = new Totals();
        var shares = Enumerable.Range(0, workers).Select(w => (deploys / workers) + (w < deploys % workers ? 1 : 0)).ToList();
        await Task.WhenAll(shares.Select((share, w) => Task.Run(() => WorkerAsync(stack, work, repo, commits, publisher, $"shop{w + 1}", share, maxDelayMs, new Random(7 + w), totals))));
        int complete = totals.Complete, violations = totals.Violations, converged = totals.Converged, leftovers = totals.Leftovers, noCurrent = totals.NoCurrent;
        var killedDuring = totals.KilledDuring;
        return JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["bench"] = "crash-deploys",
            ["deploys"] = deploys,
            ["kills"] = deploys,
            ["current_complete"] = complete,
            ["current_absent"] = noCurrent,
            ["violations"] = violations,
            ["converged_after_restart"] = converged,
            ["leftovers_after_restart"] = leftovers,
            ["killed_during"] = killedDuring,
            ["workers"] = workers,
            ["delta_builds"] = DeltaBuilds(work),
        });
    }

    private sealed class Totals
    {
        public int Complete;
        public int Violations;
        public int Converged;
        public int Leftovers;
        public int NoCurrent;
        public int Done;
        public readonly Dictionary<string, int> KilledDuring = new();
    }

    /// <summary>One node (its own agent, state, queue and app dir) through its share of kill -9 cycles.</summary>
    private static async Task WorkerAsync(
        BenchStack stack, string work, string repo, List<string> commits, DeployPublisher publisher, string appName, int deploys, int maxDelayMs, Random random, Totals totals)
    {
        var address = BenchAgent.NextAddress();
        var nodeId = "web-" + appName;
        var userData = stack.WebUserData(work, nodeId, address, repo, "  keep_releases: 3\n", "{wait_time: 1s}");
        File.WriteAllText(userData, File.ReadAllText(userData).Replace("- name: shop", "- name: " + appName));
        var layoutRoot = Path.Combine(work, nodeId, "srv", appName);
        var log = Path.Combine(work, nodeId + ".log");
        var healthz = StatusEndpoint.Healthz(address);
        var agent = BenchAgent.Start(userData, log);
        await agent.WaitReadyAsync(healthz, TimeSpan.FromMinutes(5));
        for (var i = 0; i < deploys; i++)
        {
            var commit = commits[i % commits.Count];
            var published = await publisher.PublishAsync("bench", appName, commit, "bench", CancellationToken.None);
            await Task.Delay(random.Next(0, maxDelayMs));
            if (!agent.HasExited)
            {
                await agent.KillHardAsync();
            }

            await agent.DisposeAsync();
            var phase = Phase(layoutRoot);
            lock (totals)
            {
                totals.KilledDuring[phase] = totals.KilledDuring.GetValueOrDefault(phase) + 1;
            }

            switch (CheckCurrent(layoutRoot))
            {
                case null:
                    Interlocked.Increment(ref totals.NoCurrent);
                    break;
                case true:
                    Interlocked.Increment(ref totals.Complete);
                    break;
                default:
                    Interlocked.Increment(ref totals.Violations);
                    Console.Error.WriteLine($"crash-deploys: {nodeId} deploy {i}: current is NOT a complete release");
                    break;
            }

            agent = BenchAgent.Start(userData, log);
            await agent.WaitReadyAsync(healthz, TimeSpan.FromMinutes(5));
            if (Leftovers(layoutRoot) > 0)
            {
                Interlocked.Increment(ref totals.Leftovers);
                Console.Error.WriteLine($"crash-deploys: {nodeId} deploy {i}: crash leftovers remain after restart");
            }

            var target = new FileInfo(Path.Combine(layoutRoot, "current")).LinkTarget ?? string.Empty;
            if (target.EndsWith($"-{published.Sequence}-{commit[..12]}", StringComparison.Ordinal) || (CheckCurrent(layoutRoot) == true && target.EndsWith(commit[..12], StringComparison.Ordinal)))
            {
                Interlocked.Increment(ref totals.Converged);
            }
            else
            {
                Console.Error.WriteLine($"crash-deploys: {nodeId} deploy {i}: after restart current is {target}, expected sequence {published.Sequence} of {commit[..12]}");
            }

            var done = Interlocked.Increment(ref totals.Done);
            if (done % 10 == 0)
            {
                Console.Error.WriteLine($"crash-deploys: {done} kills, {Volatile.Read(ref totals.Violations)} violations, {Volatile.Read(ref totals.Converged)} converged");
            }
        }

        await agent.DisposeAsync();
    }

    /// <summary>null when there is no current; true when current resolves to a complete release of its MANIFEST.</summary>
    private static bool? CheckCurrent(string appDir)
    {
        var current = Path.Combine(appDir, "current");
        if (new FileInfo(current).LinkTarget is not { } target)
        {
            return null;
        }

        var release = Path.Combine(appDir, target);
        if (!Directory.Exists(release) || File.Exists(release + ".partial"))
        {
            return false;
        }

        var manifest = Path.Combine(release, "MANIFEST");
        if (!File.Exists(manifest))
        {
            return false;
        }

        foreach (var line in File.ReadAllLines(manifest))
        {
            var parts = line.Split(' ');
            var file = new FileInfo(Path.Combine(release, parts[0]));
            if (!file.Exists || file.Length != long.Parse(parts[1], CultureInfo.InvariantCulture) || Hash(File.ReadAllBytes(file.FullName)) != parts[2])
            {
                return false;
            }
        }

        return true;
    }

    private static string Hash(byte[] content) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content))[..16];

    /// <summary>How many releases the agents built as deltas, from their logs (event 3014).</summary>
    private static int DeltaBuilds(string work)
        => Directory.EnumerateFiles(work, "web-*.log").Sum(log => File.ReadLines(log).Count(l => l.Contains("\"EventId\":3014", StringComparison.Ordinal) && l.Contains("as a delta of", StringComparison.Ordinal)));

    private static int Leftovers(string appDir)
    {
        var releases = Path.Combine(appDir, "releases");
        var count = Directory.Exists(appDir) ? Directory.EnumerateFileSystemEntries(appDir, ".current.tmp-*").Count() : 0;
        if (Directory.Exists(releases))
        {
            count += Directory.EnumerateFileSystemEntries(releases, "*.partial").Count();
            count += Directory.EnumerateDirectories(releases, ".deleting-*").Count();
        }

        return count;
    }

    /// <summary>What the kill interrupted, judged from what it left: a half-made release, a half switch, or neither.</summary>
    private static string Phase(string appDir)
    {
        var releases = Path.Combine(appDir, "releases");
        if (Directory.Exists(appDir) && Directory.EnumerateFileSystemEntries(appDir, ".current.tmp-*").Any())
        {
            return "switch";
        }

        if (Directory.Exists(releases) && Directory.EnumerateFileSystemEntries(releases, "*.partial").Any())
        {
            return "checkout";
        }

        return Directory.Exists(releases) && Directory.EnumerateDirectories(releases, ".deleting-*").Any() ? "retention" : "idle_or_between_steps";
    }
}
