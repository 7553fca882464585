using System.Net;
using System.Net.Sockets;

namespace NodeAgent.Testing;

/// <summary>
/// A TCP proxy on a loopback port in front of a real server, for fault tests: <see cref="Down"/> drops every open
/// connection and refuses new ones (the server looks unreachable), <see cref="Up"/> lets traffic through again, and
/// <see cref="StallUploads"/> keeps accepting bytes from clients but stops forwarding them (a hung upload).
/// <see cref="BytesDownloaded"/> and <see cref="BytesUploaded"/> count what passed each way, as the server sent and
/// received it (a relay in front of the S3 server counts a client's transfers at the server side).
/// </summary>
public sealed class TcpFaultProxy : IAsyncDisposable
{
    private readonly IPEndPoint _upstream;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private volatile bool _down;
    private volatile bool _stall;

    public TcpFaultProxy(IPEndPoint upstream)
    {
        _upstream = upstream;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptLoopAsync();
    }

    public int Port { get; }

    public Uri Endpoint => new($"http://127.0.0.1:{Port}/");

    public int Connections;

    private long _downloaded;
    private long _uploaded;

    /// <summary>Bytes the server sent to clients through this proxy since the last <see cref="ResetCounters"/>.</summary>
    public long BytesDownloaded => Interlocked.Read(ref _downloaded);

    /// <summary>Bytes clients sent to the server through this proxy since the last <see cref="ResetCounters"/>.</summary>
    public long BytesUploaded => Interlocked.Read(ref _uploaded);

    public void ResetCounters()
    {
        Interlocked.Exchange(ref _downloaded, 0);
        Interlocked.Exchange(ref _uploaded, 0);
    }

    public void Down()
    {
        _down = true;
        CloseAll();
    }

    public void Up()
    {
        _stall = false;
        _down = false;
    }

    public void StallUploads() => _stall = true;

    private async Task AcceptLoopAsync()
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

            if (_down)
            {
                client.Client.LingerState = new LingerOption(true, 0);
                client.Dispose();
                continue;
            }

            Interlocked.Increment(ref Connections);
            _ = PipeAsync(client);
        }
    }

    private async Task PipeAsync(TcpClient client)
    {
        using var upstream = new TcpClient();
        try
        {
            await upstream.ConnectAsync(_upstream, _stop.Token);
            lock (_open)
            {
                _open.Add(client);
                _open.Add(upstream);
            }

            var a = client.GetStream();
            var b = upstream.GetStream();
            await Task.WhenAny(CopyAsync(a, b, upload: true), CopyAsync(b, a, upload: false));
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A dropped connection is what fault tests ask for.
        }
        finally
        {
            client.Dispose();
            lock (_open)
            {
                _open.Remove(client);
                _open.Remove(upstream);
            }
        }
    }

    private async Task CopyAsync(Stream from, Stream to, bool upload)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var n = await from.ReadAsync(buffer, _stop.Token);
            if (n == 0)
            {
                return;
            }

            while (upload && _stall && !_down)
            {
                await Task.Delay(50, _stop.Token);
            }

            if (_down)
            {
                return;
            }

            await to.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
            Interlocked.Add(ref (upload ? ref _uploaded : ref _downloaded), n);
        }
    }

    private void CloseAll()
    {
        lock (_open)
        {
            foreach (var c in _open)
            {
                try
                {
                    // A client its pipe has just disposed (not yet removed from the list) has no socket any more.
                    if (c.Client is { } socket)
                    {
                        socket.LingerState = new LingerOption(true, 0);
                    }

                    c.Dispose();
                }
                catch (ObjectDisposedException)
                {
                    // Already closed by its pipe.
                }
            }

            _open.Clear();
        }
    }

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        CloseAll();
        _stop.Dispose();
        return ValueTask.CompletedTask;
    }
}
