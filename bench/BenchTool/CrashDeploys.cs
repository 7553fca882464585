using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Deploy;

namespace NodeAgent.Bench;

/// <summary>
/// bench/crash-deploys: 200 deploys, each interrupted by kill -9 of the agent at a random moment, then a restart.
/// After every kill, <c>current</c> must resolve to a complete release (every file of its commit's MANIFEST present
/// with the right size, no partial marker); after every restart the node must have cleaned up and converged.
/// </summary>
public static class CrashDeploys
{
    public static async Task<string> RunAsync(Fauxqs stack, string work, IReadOnlyDictionary<string, string> options)
    {
        var deploys = int.Parse(options.GetValueOrDefault("deploys", "200"), CultureInfo.InvariantCulture);
        var maxDelayMs = int.Parse(options.GetValueOrDefault("max-delay-ms", "1500"), CultureInfo.InvariantCulture);
        var repo = Path.Combine(work, "repo");
        Shell.InitRepo(repo);
        var commits = new List<string>();
        var random = new Random(7);
        for (var c = 0; c < 4; c++)
        {
            var manifest = new StringBuilder();
            for (var i = 0; i < 400; i++)
            {
                var content = new string((char)('a' + c), 1000 + (i * 7 % 3000) + c);
                var name = $"dir{i % 20}/file{i}.txt";
                Directory.CreateDirectory(Path.Combine(repo, Path.GetDirectoryName(name)!));
                File.WriteAllText(Path.Combine(repo, name), content);
                manifest.Append(CultureInfo.InvariantCulture, $"{name} {content.Length}\n");
            }

            File.WriteAllText(Path.Combine(repo, "MANIFEST"), manifest.ToString());
            commits.Add(Shell.Commit(repo, $"tree {c}"));
        }

        var address = Shell.NextAddress();
        var hooks = "  keep_releases: 3\n";
        var userData = Shell.WebUserData(stack, work, "web-1", address, repo, hooks, "{wait_time: 1s}");
        var layoutRoot = Path.Combine(work, "web-1", "srv", "shop");
        await using var services = stack.PublisherServices();
        var publisher = services.GetRequiredService<DeployPublisher>();
        var log = Path.Combine(work, "agent.log");
        var agent = Agent.Start(userData, address, log);
        await agent.WaitReadyAsync(TimeSpan.FromMinutes(2));

        int complete = 0, violations = 0, converged = 0, leftovers = 0, noCurrent = 0;
        var killedDuring = new Dictionary<string, int>();
        for (var i = 0; i < deploys; i++)
        {
            var commit = commits[i % commits.Count];
            var published = await publisher.PublishAsync("bench", "shop", commit, "bench", CancellationToken.None);
            await Task.Delay(random.Next(0, maxDelayMs));
            agent.Kill9();
            await agent.WaitForExitAsync();
            await agent.DisposeAsync();
            var phase = Phase(layoutRoot);
            killedDuring[phase] = killedDuring.GetValueOrDefault(phase) + 1;

            switch (CheckCurrent(layoutRoot))
            {
                case null:
                    noCurrent++;
                    break;
                case true:
                    complete++;
                    break;
                default:
                    violations++;
                    Console.Error.WriteLine($"crash-deploys: deploy {i}: current is NOT a complete release");
                    break;
            }

            agent = Agent.Start(userData, address, log);
            await agent.WaitReadyAsync(TimeSpan.FromMinutes(2));
            if (Leftovers(layoutRoot) > 0)
            {
                leftovers++;
                Console.Error.WriteLine($"crash-deploys: deploy {i}: crash leftovers remain after restart");
            }

            var target = new FileInfo(Path.Combine(layoutRoot, "current")).LinkTarget ?? string.Empty;
            if (target.EndsWith($"-{published.Sequence}-{commit[..12]}", StringComparison.Ordinal) || (CheckCurrent(layoutRoot) == true && target.EndsWith(commit[..12], StringComparison.Ordinal)))
            {
                converged++;
            }
            else
            {
                Console.Error.WriteLine($"crash-deploys: deploy {i}: after restart current is {target}, expected sequence {published.Sequence} of {commit[..12]}");
            }

            if ((i + 1) % 20 == 0)
            {
                Console.Error.WriteLine($"crash-deploys: {i + 1}/{deploys} kills, {violations} violations, {converged} converged");
            }
        }

        await agent.DisposeAsync();
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
        });
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
            if (!file.Exists || file.Length != long.Parse(parts[1], CultureInfo.InvariantCulture))
            {
                return false;
            }
        }

        return true;
    }

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
