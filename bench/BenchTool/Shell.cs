using System.Diagnostics;

namespace NodeAgent.Bench;

/// <summary>Runs helper programs (git, tar, mv) for setup and for the hand-made floor.</summary>
public static class Shell
{
    public static string Run(string workingDirectory, string program, params string[] args)
    {
        var start = new ProcessStartInfo(program, args)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited {process.ExitCode}: {stderr.Result}");
        }

        return stdout.Result;
    }

    public static string Git(string repo, params string[] args) => Run(repo, "git", args).Trim();

    public static void InitRepo(string path)
    {
        Directory.CreateDirectory(path);
        Git(path, "init", "-q", "-b", "main");
        Git(path, "config", "user.email", "bench@example.com");
        Git(path, "config", "user.name", "bench");
    }

    public static string Commit(string repo, string message)
    {
        Git(repo, "add", "-A");
        Git(repo, "commit", "-q", "--allow-empty", "-m", message);
        return Git(repo, "rev-parse", "HEAD");
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN
            : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static int _address = Random.Shared.Next(0, 200);

    /// <summary>A loopback address 127.77.x.y for one agent of a bench run.</summary>
    public static System.Net.IPAddress NextAddress()
    {
        var n = Interlocked.Increment(ref _address);
        return new System.Net.IPAddress([127, 77, (byte)(1 + (n / 250 % 250)), (byte)(2 + (n % 250))]);
    }

    public static string WebUserData(Fauxqs stack, string dir, string nodeId, System.Net.IPAddress address, string repo, string extraWeb = "", string queue = "{}")
    {
        var path = Path.Combine(dir, nodeId + ".yaml");
        File.WriteAllText(path, $$"""
            version: 1
            role: web
            cluster: bench
            node: {id: {{nodeId}}, instance_id: i-{{nodeId}}, address: "{{address}}", state_dir: "{{Path.Combine(dir, nodeId, "state")}}", shutdown_timeout: 10s}
            {{stack.AwsYaml()}}
            status: {listen: "{{address}}:9780"}
            queue: {{queue}}
            web:
              root: "{{Path.Combine(dir, nodeId, "srv")}}"
              min_free_space: 10MB
            {{extraWeb}}
              apps:
                - name: shop
                  repository: {type: git, url: "{{repo}}"}
            """);
        return path;
    }
}
