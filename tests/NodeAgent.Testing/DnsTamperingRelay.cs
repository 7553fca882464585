using System.Net;
using System.Net.Sockets;

namespace NodeAgent.Testing;

/// <summary>
/// A DNS-over-TCP relay on 127.0.0.1 in front of a real server that flips one header bit (RA) in every answer on its
/// way back: the answer still parses and matches its query, but its TSIG signature no longer verifies. For proving
/// that a client rejects answers whose signature is bad rather than trusting them.
/// </summary>
public sealed class DnsTamperingRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public DnsTamperingRelay(IPEndPoint upstream)
    {
        _upstream = upstream;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Tampered;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(_upstream, _stop.Token);
                var down = client.GetStream();
                var up = upstream.GetStream();
                var requests = down.CopyToAsync(up, _stop.Token);
                var answers = CopyAnswersAsync(up, down, _stop.Token);
                await Task.WhenAny(requests, answers);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The relay ends with either side.
            }
        }
    }

    private async Task CopyAnswersAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        var length = new byte[2];
        while (true)
        {
            await from.ReadExactlyAsync(length, cancellationToken);
            var message = new byte[(length[0] << 8) | length[1]];
            await from.ReadExactlyAsync(message, cancellationToken);
            if (message.Length > 3)
            {
                message[3] ^= 0x80;
                Interlocked.Increment(ref Tampered);
            }

            await to.WriteAsync(length, cancellationToken);
            await to.WriteAsync(message, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }
}
