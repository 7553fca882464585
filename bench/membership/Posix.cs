using System.Runtime.InteropServices;

namespace NodeAgent.Bench.Membership;

/// <summary>kill(2), to stop agents gracefully with SIGTERM.</summary>
internal static partial class Posix
{
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
