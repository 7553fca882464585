namespace NodeAgent.Testing;

/// <summary>How <see cref="AgentProcess.Start"/> runs an agent: which build, where its output also goes, how it is
/// stopped on dispose, and extra environment.</summary>
public sealed record AgentStartOptions
{
    public static AgentStartOptions Default { get; } = new();

    public AgentBinary Binary { get; init; } = AgentBinary.Build;

    /// <summary>A file every output line is appended to as well (benches keep one log per agent, across restarts).</summary>
    public string? LogFile { get; init; }

    /// <summary>When set, dispose stops the agent gracefully (SIGTERM, then this long to drain) before it kills it;
    /// by default dispose kills at once.</summary>
    public TimeSpan? GracefulStopOnDispose { get; init; }

    public IReadOnlyDictionary<string, string>? Environment { get; init; }
}
