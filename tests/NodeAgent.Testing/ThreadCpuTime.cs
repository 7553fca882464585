using System.Globalization;
using System.Runtime.InteropServices;

namespace NodeAgent.Testing;

/// <summary>
/// CPU time the calling OS thread has used (user + system, from <c>/proc/self/task/&lt;tid&gt;/stat</c>, 10 ms
/// resolution). Limits such as "validate takes at most 2 s per input" are checked on this, not on wall time: on a
/// loaded 2-core machine running the suite in parallel, wall time measures the neighbours as much as the code.
/// Synchronous code only: an await may move the work to another thread.
/// </summary>
public static partial class ThreadCpuTime
{
    public static TimeSpan Now()
    {
        var stat = File.ReadAllText($"/proc/self/task/{GetTid()}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();
}
