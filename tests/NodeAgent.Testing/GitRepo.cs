using System.Diagnostics;

namespace NodeAgent.Testing;

/// <summary>A real git repository the test creates and commits to with the git CLI.</summary>
public sealed class GitRepo
{
    private GitRepo(string path)
    {
        Path = path;
    }

    /// <summary>The repository's path, usable as an app's <c>repository.url</c>.</summary>
    public string Path { get; }

    public static GitRepo Create(string path, string branch = "main")
    {
        Directory.CreateDirectory(path);
        Run(path, "init", "-q", "-b", branch);
        Run(path, "config", "user.email", "test@example.com");
        Run(path, "config", "user.name", "test");
        Run(path, "config", "commit.gpgsign", "false");
        return new GitRepo(path);
    }

    /// <summary>Writes (or with a null value, deletes) files and commits them; returns the commit id.</summary>
    public string Commit(IReadOnlyDictionary<string, string?> files, string message = "change")
    {
        foreach (var (name, content) in files)
        {
            var full = System.IO.Path.Combine(Path, name);
            if (content is null)
            {
                File.Delete(full);
                continue;
            }

            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
        }

        Run(Path, "add", "-A");
        Run(Path, "commit", "-q", "--allow-empty", "-m", message);
        return Head();
    }

    public string Commit(string name, string content, string message = "change") => Commit(new Dictionary<string, string?> { [name] = content }, message);

    public string Head() => Run(Path, "rev-parse", "HEAD").Trim();

    public void Tag(string name) => Run(Path, "tag", name);

    public static string Run(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("git", args)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start git");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"git {string.Join(' ', args)} did not finish in 60 s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', args)} exited {process.ExitCode}: {stderr.Result}");
        }

        return stdout.Result;
    }
}
