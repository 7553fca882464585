using System.Runtime.InteropServices;

namespace NodeAgent.Roles.Lb.Haproxy;

/// <summary>kill(2) for the HAProxy master: SIGUSR1 asks it to stop softly (finish connections, then exit).</summary>
internal static partial class ProcessSignals
{
    public const int SigUsr1 = 10;

    public static bool Send(int pid, int signal) => Kill(pid, signal) == 0;

    /// <summary>True when the process exists (signal 0 checks without sending).</summary>
    public static bool Exists(int pid) => Kill(pid, 0) == 0 || Marshal.GetLastPInvokeError() == 1;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
