using System.Net;

namespace NodeAgent.Bootstrap;

/// <summary>Fetches user-data and this instance's identity from EC2 instance metadata (IMDSv2).</summary>
public sealed class ImdsUserDataSource(ImdsClient client, Uri endpoint) : IUserDataSource
{
    public string Description => $"instance metadata {endpoint}";

    public async Task<RawUserData> FetchAsync(CancellationToken cancellationToken)
    {
        var instanceId = await client.GetAsync("latest/meta-data/instance-id", cancellationToken)
            ?? throw new UserDataUnavailableException("instance metadata has no instance-id");
        var userData = await client.GetBytesAsync("latest/user-data", cancellationToken)
            ?? throw new UserDataUnavailableException($"instance {instanceId} has no user-data; launch it with the agent's user-data (see docs/user-data.md)");
        var metadata = new InstanceMetadata
        {
            InstanceId = instanceId.Trim(),
            LocalIpv4 = ParseAddress(await client.GetAsync("latest/meta-data/local-ipv4", cancellationToken)),
            PublicIpv4 = ParseAddress(await client.GetAsync("latest/meta-data/public-ipv4", cancellationToken)),
            AvailabilityZone = (await client.GetAsync("latest/meta-data/placement/availability-zone", cancellationToken))?.Trim(),
        };
        return new RawUserData(userData, Description, metadata);
    }

    private static IPAddress? ParseAddress(string? text)
        => Configuration.Addresses.TryParse(text?.Trim(), out var address) ? address : null;
}
