using System.Net;

namespace NodeAgent.Testing.Fleet;

/// <summary>
/// Measures an lb node's hand-over on termination: from the moment its instance metadata first answered
/// <c>Terminated</c> to the agent (the agent saw the notice) until <c>lb.&lt;zone&gt;</c> answers the peer's address at
/// BIND (queried every 20 ms).
/// </summary>
public static class LbHandover
{
    public const string StatePath = "/latest/meta-data/autoscaling/target-lifecycle-state";

    public static async Task<(DateTimeOffset Detected, DateTimeOffset HandedOver)> MeasureAsync(Fleet fleet, FleetNode leaving, FleetNode peer, TimeSpan timeout)
    {
        var imds = leaving.Imds ?? throw new InvalidOperationException("not a lifecycle fleet");
        var deadline = DateTimeOffset.UtcNow + timeout;
        using var dns = fleet.NewDnsClient();
        DateTimeOffset? handedOver = null;
        while (DateTimeOffset.UtcNow < deadline)
        {
            IPAddress? now = null;
            try
            {
                var records = await dns.ReadAsync(fleet.LbName, CancellationToken.None);
                now = records.Addresses.FirstOrDefault();
            }
            catch (NodeAgent.Dns.DnsProviderException)
            {
                // BIND busy: ask again.
            }

            if (handedOver is null && peer.Address.Equals(now))
            {
                handedOver = DateTimeOffset.UtcNow;
            }

            if (handedOver is { } h && imds.FirstServed(StatePath, "Terminated") is { } detected)
            {
                return (detected, h);
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"{fleet.LbName} did not move to {peer.NodeId} within {timeout} (notice seen: {imds.FirstServed(StatePath, "Terminated")})");
    }
}
