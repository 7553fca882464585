namespace NodeAgent.Tests.TestSupport;

/// <summary>
/// HAProxy outlives a kill -9 of the agent that started it (the next agent adopts it). Tests that kill agents call
/// this at the end to stop any HAProxy whose pid file lies under their own temp dir, and nothing else.
/// </summary>
public static class OrphanedHaproxy
{
    public static void KillUnder(string dir)
    {
        if (!Directory.Exists(dir))
        {
            return;
        }

        foreach (var pidFile in Directory.EnumerateFiles(dir, "haproxy.pid", SearchOption.AllDirectories))
        {
            if (int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid) && File.Exists($"/proc/{pid}/cmdline")
                && File.ReadAllText($"/proc/{pid}/cmdline").Contains(dir, StringComparison.Ordinal))
            {
                try
                {
                    System.Diagnostics.Process.GetProcessById(pid).Kill(entireProcessTree: true);
                }
                catch (ArgumentException)
                {
                    // Exited between the check and the kill.
                }
            }
        }
    }
}
