namespace NodeAgent.Testing;

/// <summary>
/// The servers (HAProxy, nginx) that agents under test started, found by the pid files they write under a test's own
/// directory: only a live process whose command line mentions that directory counts, never another suite's server
/// that got the same pid.
/// </summary>
public static class ServerPidFiles
{
    /// <summary>The live pids named by every <paramref name="pidFileName"/> under <paramref name="dir"/>.</summary>
    public static IEnumerable<int> LiveUnder(string dir, string pidFileName)
    {
        if (!Directory.Exists(dir))
        {
            yield break;
        }

        foreach (var pidFile in Directory.EnumerateFiles(dir, pidFileName, SearchOption.AllDirectories))
        {
            if (int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid) && File.Exists($"/proc/{pid}/cmdline")
                && File.ReadAllText($"/proc/{pid}/cmdline").Contains(dir, StringComparison.Ordinal))
            {
                yield return pid;
            }
        }
    }
}
