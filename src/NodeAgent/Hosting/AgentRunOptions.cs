using Microsoft.Extensions.Logging;

namespace NodeAgent.Hosting;

/// <summary>How <c>nodeagent run</c> was asked to run.</summary>
public sealed record AgentRunOptions
{
    /// <summary>Boot, report ready, then stop cleanly (<c>--once</c>): for the demo and smoke tests.</summary>
    public bool Once { get; init; }

    public LogFormat LogFormat { get; init; } = LogFormat.Json;

    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary>Instance metadata for the lifecycle watcher (<c>--imds-endpoint</c>); null: the default address.</summary>
    public NodeAgent.Bootstrap.ImdsOptions? Imds { get; init; }

    /// <summary>True when the user-data came from instance metadata (EC2): the lifecycle watcher is then on by default.</summary>
    public bool UserDataFromMetadata { get; init; }

    /// <summary>Where the human-readable lines (the ready summary) go.</summary>
    public TextWriter Output { get; init; } = Console.Out;
}
