using System.Runtime.InteropServices;

namespace NodeAgent.WalPushClient;

/// <summary>
/// <c>execv(2)</c>: replaces this process with another program, keeping PostgreSQL's view of one archive_command
/// process and its exit code. Not a child process (there is nothing to supervise), so not through IProcessRunner,
/// which this dependency-free binary does not have.
/// </summary>
internal static partial class Exec
{
    public static int LastError { get; private set; }

    /// <summary>Returns only when execv failed (see <see cref="LastError"/>).</summary>
    public static void Replace(string program, IReadOnlyList<string> argv)
    {
        var pointers = new nint[argv.Count + 1];
        try
        {
            for (var i = 0; i < argv.Count; i++)
            {
                pointers[i] = Marshal.StringToCoTaskMemUTF8(argv[i]);
            }

            _ = ExecV(program, pointers);
            LastError = Marshal.GetLastPInvokeError();
        }
        finally
        {
            foreach (var p in pointers)
            {
                if (p != 0)
                {
                    Marshal.FreeCoTaskMem(p);
                }
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "execv", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int ExecV(string path, nint[] argv);
}
