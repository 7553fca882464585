using System.Net;

namespace NodeAgent.Bootstrap;

/// <summary>Who this node is, resolved from user-data and (on EC2) instance metadata.</summary>
public sealed record NodeIdentity
{
    public required string Cluster { get; init; }

    public required string Role { get; init; }

    /// <summary>Id in the registry, queue name and DNS record.</summary>
    public required string NodeId { get; init; }

    /// <summary>The cloud instance id; a change means this disk came from a baked image of another node.</summary>
    public required string InstanceId { get; init; }

    public required IPAddress Address { get; init; }

    public IPAddress? PublicAddress { get; init; }

    public string? AvailabilityZone { get; init; }

    /// <summary>Where the user-data came from.</summary>
    public required string Source { get; init; }
}
