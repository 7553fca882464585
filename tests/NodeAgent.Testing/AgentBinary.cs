namespace NodeAgent.Testing;

/// <summary>
/// Which nodeagent build runs: the build output (<c>dotnet nodeagent.dll</c>, what tests run) or an installed-style
/// executable (the self-contained ReadyToRun publish install/install.sh makes, what benches may run).
/// </summary>
public sealed record AgentBinary(string Program, IReadOnlyList<string> LeadingArguments)
{
    /// <summary>Set by a bench's run.sh to the installed-style executable its agents should run.</summary>
    public const string BenchVariable = "NODEAGENT_BENCH_AGENT";

    /// <summary>The agent's entry assembly in its own build output, run by <c>dotnet</c>.</summary>
    public static AgentBinary Build => new("dotnet", [RepoPaths.AgentDll]);

    /// <summary>An executable as installed (its path).</summary>
    public static AgentBinary Installed(string path) => new(path, []);

    /// <summary>The executable named by <c>NODEAGENT_BENCH_AGENT</c> when it is set, otherwise the build output.</summary>
    public static AgentBinary FromEnvironment()
        => Environment.GetEnvironmentVariable(BenchVariable) is { Length: > 0 } path ? Installed(path) : Build;
}
