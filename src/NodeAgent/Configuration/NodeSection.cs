using System.Net;

namespace NodeAgent.Configuration;

/// <summary>
/// <c>node:</c> — who this node is. On EC2 every field defaults from instance metadata; elsewhere (the demo, tests,
/// other clouds) set <c>address</c> and, if the host has no /etc/machine-id, <c>instance_id</c>.
/// </summary>
public sealed record NodeSection
{
    /// <summary>The defaults, written once: each property's initializer.</summary>
    private static NodeSection Default => new();

    public const string DefaultStateDir = "/var/lib/nodeagent";

    /// <summary>Id in the registry, queue name and DNS record. Default: the instance id.</summary>
    public string? Id { get; init; }

    /// <summary>Overrides the instance id used to detect a baked image (file source only; IMDS is authoritative).</summary>
    public string? InstanceId { get; init; }

    /// <summary>The address other nodes reach this one on. Default: IMDS local-ipv4.</summary>
    public IPAddress? Address { get; init; }

    public IPAddress? PublicAddress { get; init; }

    public string? AvailabilityZone { get; init; }

    public string StateDir { get; init; } = DefaultStateDir;

    /// <summary>How long a graceful stop may take before the host gives up on the remaining services.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public static NodeSection Read(ConfigReader r) => new()
    {
        Id = r.String("id", pattern: Names.NodeId(), patternHint: Names.NodeIdHint),
        InstanceId = r.String("instance_id", pattern: Names.NodeId(), patternHint: Names.NodeIdHint),
        Address = r.Address("address"),
        PublicAddress = r.Address("public_address"),
        AvailabilityZone = r.String("availability_zone", maxLength: 64),
        StateDir = r.AbsolutePath("state_dir", fallback: Default.StateDir)!,
        ShutdownTimeout = r.Duration("shutdown_timeout", Default.ShutdownTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(30)),
    };
}
