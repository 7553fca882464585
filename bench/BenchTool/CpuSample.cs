using System.Globalization;

namespace NodeAgent.Bench;

/// <summary>CPU time (user+system, from /proc) of the agents and of this process's other children (fauxqs), at one moment.</summary>
public readonly record struct CpuSample(double AgentsMs, double OthersMs)
{
    private const double MsPerTick = 10; // USER_HZ is 100 on Linux

    public static CpuSample operator -(CpuSample a, CpuSample b) => new(a.AgentsMs - b.AgentsMs, a.OthersMs - b.OthersMs);

    public static CpuSample Take(IReadOnlyCollection<Agent> agents)
    {
        var agentPids = agents.Select(a => a.Pid).ToHashSet();
        double mine = 0, others = 0;
        foreach (var pid in Children())
        {
            var ms = ProcessMs(pid);
            if (agentPids.Contains(pid))
            {
                mine += ms;
            }
            else
            {
                others += ms;
            }
        }

        return new CpuSample(mine, others);
    }

    private static IEnumerable<int> Children()
    {
        var pids = new HashSet<int>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{Environment.ProcessId}/task"))
        {
            try
            {
                foreach (var pid in File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    pids.Add(int.Parse(pid, CultureInfo.InvariantCulture));
                }
            }
            catch (IOException)
            {
            }
        }

        return pids;
    }

    private static double ProcessMs(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // fields[0] is field 3 (state); utime is field 14, stime field 15.
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * MsPerTick;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
