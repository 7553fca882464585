using NodeAgent.Bootstrap;

namespace NodeAgent.Hosting;

/// <summary>What every command gets: the role plug-ins, where to write, and the host facts. Injected, so commands are testable.</summary>
public sealed record CliContext(RoleCatalog Roles, TextWriter Out, TextWriter Error)
{
    public IHostFacts HostFacts { get; init; } = new LinuxHostFacts();

    /// <summary>Environment lookup (tests substitute their own).</summary>
    public Func<string, string?> GetEnvironment { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Where confirmations are read from; null when there is no terminal to ask (tests, CI, pipes).</summary>
    public TextReader? Confirmations { get; init; } = Console.IsInputRedirected ? null : Console.In;
}
