using System.Net;

namespace NodeAgent.Bootstrap;

/// <summary>What the instance metadata service says about this instance.</summary>
public sealed record InstanceMetadata
{
    public required string InstanceId { get; init; }

    public IPAddress? LocalIpv4 { get; init; }

    public IPAddress? PublicIpv4 { get; init; }

    public string? AvailabilityZone { get; init; }
}
