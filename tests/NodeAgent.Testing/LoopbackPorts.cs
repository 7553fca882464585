using System.Net;
using System.Net.Sockets;

namespace NodeAgent.Testing;

/// <summary>Free TCP ports and distinct loopback addresses, so tests running in parallel never collide.</summary>
public static class LoopbackPorts
{
    private static int _nextAddress = Random.Shared.Next(10, 200) * 256;

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
}
