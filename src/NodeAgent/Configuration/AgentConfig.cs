namespace NodeAgent.Configuration;

/// <summary>
/// The validated model of a node's user-data. Immutable: a running agent swaps a new one in whole or keeps the last
/// good one. See docs/user-data.md for the reference. The sections every node has are typed here; the role's own
/// section is read by the role plug-in and carried as <see cref="RoleSection"/>.
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

    public LifecycleSection Lifecycle { get; init; } = new();

    /// <summary>The section named after <see cref="Role"/>, as the role plug-in read it.</summary>
    public IRoleSection? RoleSection { get; init; }

    /// <summary>The role's section as its own type; throws when this node's role has another.</summary>
    public T Section<T>() where T : class, IRoleSection
        => RoleSection as T ?? throw new InvalidOperationException(
            $"this node's role is {Role}; its configuration has no {typeof(T).Name}");

    /// <summary>The role's section as its own type, or null when this node's role has another.</summary>
    public T? SectionOrNull<T>() where T : class, IRoleSection => RoleSection as T;

    /// <summary>Shared DNS names this node's role claims (none for most roles).</summary>
    public IReadOnlyList<SharedDnsName> SharedDnsNames => RoleSection?.SharedDnsNames ?? [];
}
