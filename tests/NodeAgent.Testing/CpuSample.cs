namespace NodeAgent.Testing;

/// <summary>CPU time (user + system, from /proc) of some of this process's children (the agents) and of its other
/// children (e.g. the local S3/SQS server), at one moment.</summary>
public readonly record struct CpuSample(double AgentsMs, double OthersMs)
{
    public static CpuSample operator -(CpuSample a, CpuSample b) => new(a.AgentsMs - b.AgentsMs, a.OthersMs - b.OthersMs);

    public static CpuSample Take(IReadOnlySet<int> agentPids)
    {
        double mine = 0, others = 0;
        foreach (var pid in ProcFs.Children(Environment.ProcessId))
        {
            var ms = ProcFs.CpuMs(pid);
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
}
