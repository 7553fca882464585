namespace NodeAgent.Configuration;

/// <summary>
/// The validated model of a node's user-data. Immutable: a running agent swaps a new one in whole or keeps the last
/// good one. See docs/user-data.md for the reference.
/// </summary>
public sealed record AgentConfig
{
    public const int CurrentVersion = 1;

    public int Version { get; init; } = CurrentVersion;

    public required string Role { get; init; }

    public required string Cluster { get; init; }

    public NodeSection Node { get; init; } = new();

    public required AwsSection Aws { get; init; }

    public StatusSection Status { get; init; } = new();

    public RegistrySection Registry { get; init; } = new();

    public QueueSection Queue { get; init; } = new();

    public DnsSection? Dns { get; init; }

    public WebSection? Web { get; init; }

    public LbSection? Lb { get; init; }

    public DbSection? Db { get; init; }
}
