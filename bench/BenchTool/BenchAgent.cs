using System.Net;
using NodeAgent.Testing;

namespace NodeAgent.Bench;

/// <summary>
/// How the deploy benches run an agent: the real binary (as installed when <c>NODEAGENT_BENCH_AGENT</c> names a
/// published build), its output appended to a log file in the bench's work dir, on a 127.77.x.y address, stopped
/// gracefully on dispose.
/// </summary>
public static class BenchAgent
{
    /// <summary>The benches' agents live in 127.77.0.0/16.</summary>
    public const byte Network = 77;

    public static IPAddress NextAddress() => LoopbackPorts.NextAddressIn(Network);

    public static AgentProcess Start(string userData, string logFile)
        => AgentProcess.Start(["run", "--user-data", userData], new AgentStartOptions
        {
            Binary = AgentBinary.FromEnvironment(),
            LogFile = logFile,
            GracefulStopOnDispose = TimeSpan.FromSeconds(15),
        });
}
