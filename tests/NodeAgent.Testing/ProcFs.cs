using System.Globalization;

namespace NodeAgent.Testing;

/// <summary>
/// What Linux's /proc says about processes the tests and benches started (children, CPU time, resident memory,
/// parent, command line) and about the machine (load average, available memory). A process that is gone reads as
/// empty, zero or NaN rather than throwing.
/// </summary>
public static class ProcFs
{
    private const double MsPerTick = 10; // USER_HZ is 100 on Linux

    /// <summary>Every live pid.</summary>
    public static IEnumerable<int> Pids()
        => Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(p => int.TryParse(p, out _)).Select(p => int.Parse(p!, CultureInfo.InvariantCulture));

    /// <summary>The direct children of <paramref name="pid"/> (from every thread's <c>children</c> list).</summary>
    public static IReadOnlySet<int> Children(int pid)
    {
        var pids = new HashSet<int>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                foreach (var child in File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    pids.Add(int.Parse(child, CultureInfo.InvariantCulture));
                }
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }

        return pids;
    }

    /// <summary>CPU time (user + system) the process has used so far, in milliseconds; 0 when it is gone.</summary>
    public static double CpuMs(int pid)
    {
        var fields = StatFields(pid);
        // fields[0] is field 3 (state); utime is field 14, stime field 15.
        return fields is null ? 0 : (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * MsPerTick;
    }

    /// <summary>The parent's pid, or null when the process is gone.</summary>
    public static int? ParentPid(int pid)
        => StatFields(pid) is { } fields ? int.Parse(fields[1], CultureInfo.InvariantCulture) : null;

    /// <summary>Resident memory in MB (VmRSS), NaN when the process is gone.</summary>
    public static double RssMb(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? double.NaN : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    /// <summary>The command line with NUL separators as read, empty when the process is gone or unreadable.</summary>
    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline");
        }
        catch (IOException)
        {
            return string.Empty;
        }
        catch (UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    /// <summary><c>/proc/loadavg</c>, e.g. "1.20 0.80 0.50 2/300 12345".</summary>
    public static string LoadAverage() => File.ReadAllText("/proc/loadavg").Trim();

    /// <summary>MemAvailable from <c>/proc/meminfo</c>, in GB.</summary>
    public static double MemAvailableGb()
    {
        var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemAvailable:", StringComparison.Ordinal));
        return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024 / 1024;
    }

    /// <summary>The fields of <c>/proc/&lt;pid&gt;/stat</c> after the command name (index 0 is the state).</summary>
    private static string[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }
}
