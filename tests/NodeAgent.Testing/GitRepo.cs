namespace NodeAgent.Testing;

/// <summary>A real git repository the test creates and commits to with the git CLI.</summary>
public sealed class GitRepo
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);
    private readonly TimeSpan _timeout;

    private GitRepo(string path, TimeSpan timeout)
    {
        Path = path;
        _timeout = timeout;
    }

    /// <summary>The repository's path, usable as an app's <c>repository.url</c>.</summary>
    public string Path { get; }

    /// <param name="commandTimeout">How long one git command may take (default 60 s; benches with big trees on a busy
    /// machine pass <see cref="Timeout.InfiniteTimeSpan"/>).</param>
    public static GitRepo Create(string path, string branch = "main", TimeSpan? commandTimeout = null)
    {
        var timeout = commandTimeout ?? DefaultTimeout;
        Directory.CreateDirectory(path);
        ProgramRunner.Run(path, "git", ["init", "-q", "-b", branch], timeout);
        ProgramRunner.Run(path, "git", ["config", "user.email", "test@example.com"], timeout);
        ProgramRunner.Run(path, "git", ["config", "user.name", "test"], timeout);
        ProgramRunner.Run(path, "git", ["config", "commit.gpgsign", "false"], timeout);
        return new GitRepo(path, timeout);
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

        return CommitWorkingTree(message);
    }

    public string Commit(string name, string content, string message = "change") => Commit(new Dictionary<string, string?> { [name] = content }, message);

    /// <summary>Commits whatever the working tree holds now (files written directly into <see cref="Path"/>).</summary>
    public string CommitWorkingTree(string message)
    {
        Git("add", "-A");
        Git("commit", "-q", "--allow-empty", "-m", message);
        return Head();
    }

    public string Head() => Git("rev-parse", "HEAD").Trim();

    public void Tag(string name) => Git("tag", name);

    public static string Run(string workingDirectory, params string[] args) => ProgramRunner.Run(workingDirectory, "git", args, DefaultTimeout);

    private string Git(params string[] args) => ProgramRunner.Run(Path, "git", args, _timeout);
}
