using System.Net;
using System.Net.Sockets;

namespace NodeAgent.Testing;

/// <summary>Free TCP ports and distinct loopback addresses, so tests running in parallel never collide.</summary>
public static class LoopbackPorts
{
    private static int _nextAddress = Random.Shared.Next(10, 200) * 256;
    private static int _nextInNetwork = Random.Shared.Next(0, 200);

    /// <summary>A port that was free a moment ago on <paramref name="address"/> (default 127.0.0.1).</summary>
    public static int Free(IPAddress? address = null)
    {
        using var listener = new TcpListener(address ?? IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A 127.x.y.z address not handed out before in this test run.</summary>
    public static IPAddress NextAddress()
    {
        var n = Interlocked.Increment(ref _nextAddress);
        return new IPAddress([127, (byte)(1 + (n >> 16) % 250), (byte)((n >> 8) & 0xff), (byte)(2 + (n & 0xff) % 250)]);
    }

    /// <summary>A 127.<paramref name="network"/>.x.y address not handed out before in this run (the benches keep
    /// their agents in 127.77.0.0/16, clear of the tests' addresses).</summary>
    public static IPAddress NextAddressIn(byte network)
    {
        var n = Interlocked.Increment(ref _nextInNetwork);
        return new IPAddress([127, network, (byte)(1 + (n / 250 % 250)), (byte)(2 + (n % 250))]);
    }

    /// <summary>The next address in 127.<paramref name="network"/> on which <paramref name="port"/> is free (other
    /// suites on this machine run agents too).</summary>
    public static IPAddress NextAddressWithFreePort(byte network, int port)
    {
        for (var attempt = 0; attempt < 500; attempt++)
        {
            var address = NextAddressIn(network);
            try
            {
                using var probe = new TcpListener(address, port);
                probe.Start();
                probe.Stop();
                return address;
            }
            catch (SocketException)
            {
                // Taken: try the next one.
            }
        }

        throw new InvalidOperationException($"no free loopback address for port {port} after 500 tries");
    }
}
