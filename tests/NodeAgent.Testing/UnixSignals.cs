using System.Runtime.InteropServices;

namespace NodeAgent.Testing;

/// <summary>
/// kill(2), the one libc call the test-support code needs: signals to the agents and servers the tests, the benches
/// and the demo started themselves.
/// </summary>
public static partial class UnixSignals
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false when it could not be delivered (no such
    /// process, or no permission).</summary>
    public static bool Send(int pid, int signal) => Kill(pid, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
