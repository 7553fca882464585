namespace NodeAgent.Testing;

/// <summary>A real svn repository (<c>svnadmin create</c>) with a working copy to commit from.</summary>
public sealed class SvnRepo
{
    private readonly string _workingCopy;

    private SvnRepo(string repoPath, string workingCopy)
    {
        RepositoryPath = repoPath;
        _workingCopy = workingCopy;
    }

    public string RepositoryPath { get; }

    public string FileUrl => "file://" + RepositoryPath;

    public static SvnRepo Create(string dir)
    {
        var repo = Path.Combine(dir, "svnrepo");
        var wc = Path.Combine(dir, "svnwc");
        Run(dir, "svnadmin", "create", repo);
        Run(dir, "svn", "checkout", "-q", "file://" + repo, wc);
        return new SvnRepo(repo, wc);
    }

    /// <summary>Writes files, adds and commits them; returns the new revision number.</summary>
    public int Commit(IReadOnlyDictionary<string, string> files, string message = "change")
    {
        foreach (var (name, content) in files)
        {
            var full = Path.Combine(_workingCopy, name);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
        }

        Run(_workingCopy, "svn", "add", "-q", "--force", ".");
        Run(_workingCopy, "svn", "commit", "-q", "-m", message);
        Run(_workingCopy, "svn", "update", "-q");
        return int.Parse(Run(_workingCopy, "svn", "info", "--show-item", "revision").Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Requires a user and password for svnserve (anonymous access off).</summary>
    public void RequireAuth(string user, string password)
    {
        var conf = Path.Combine(RepositoryPath, "conf");
        File.WriteAllText(Path.Combine(conf, "svnserve.conf"), "[general]\nanon-access = none\nauth-access = read\npassword-db = passwd\nrealm = nodeagent-test\n");
        File.WriteAllText(Path.Combine(conf, "passwd"), $"[users]\n{user} = {password}\n");
    }

    public static string Run(string workingDirectory, string program, params string[] args)
        => ProgramRunner.Run(workingDirectory, program, args, TimeSpan.FromSeconds(60));
}
