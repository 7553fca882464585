namespace NodeAgent.Testing;

/// <summary>
/// HAProxy (and nginx) outlive a kill -9 of the agent that started them (the next agent adopts or replaces them).
/// Tests that kill agents call this at the end to stop any such server whose pid file lies under their own temp dir,
/// and nothing else.
/// </summary>
public static class OrphanedHaproxy
{
    public static void KillUnder(string dir) => KillServersUnder(dir, "haproxy.pid");

    /// <summary>Kills the process (and its children) named by every <paramref name="pidFileName"/> under <paramref name="dir"/>
    /// whose command line mentions <paramref name="dir"/>.</summary>
    public static void KillServersUnder(string dir, string pidFileName)
    {
        foreach (var pid in ServerPidFiles.LiveUnder(dir, pidFileName).ToList())
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
