using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using Prometheus;

namespace NodeAgent.Status;

/// <summary>
/// The local status endpoint: <c>GET /healthz</c> (200 when ready, 503 with reasons otherwise) and <c>GET /metrics</c>
/// (Prometheus text format), bound to <c>status.listen</c> (loopback by default), started first so /healthz answers
/// "starting" while the node boots.
/// <para>
/// A deliberately small HTTP/1.1 server on a socket, not Kestrel: it serves two read-only documents to a scraper, a peer
/// lb's probe and <c>nodeagent status</c>, and Kestrel with ASP.NET's hosting cost the idle agent a quarter of its
/// memory (docs/footprint.md). One request per connection (<c>Connection: close</c>); the request head is bounded
/// (8 KiB, 5 s) and so are concurrent connections (32; more are closed at once). Anything but <c>GET</c>/<c>HEAD</c> of
/// the two paths gets 405 or 404; a malformed or oversized head gets 400 or 431.
/// </para>
/// </summary>
public sealed partial class StatusServer(
    AgentConfig config,
    NodeIdentity identity,
    ReadinessState readiness,
    CollectorRegistry registry,
    AgentMetrics metrics,
    ILogger<StatusServer> logger) : IHostedService, IAsyncDisposable
{
    public const int MaxHeadBytes = 8 * 1024;
    public const int MaxConnections = 32;
    public static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(5);

    private static readonly byte[] HeadEnd = "\r\n\r\n"u8.ToArray();
    private readonly AgentMetrics _metrics = metrics;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _slots = new(MaxConnections, MaxConnections);
    private Socket? _listener;
    private Task? _acceptLoop;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!config.Status.Enabled)
        {
            return Task.CompletedTask;
        }

        var endpoint = config.Status.Listen;
        var listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(endpoint);
            listener.Listen(64);
        }
        catch (SocketException ex)
        {
            listener.Dispose();
            throw new InvalidOperationException(
                $"status endpoint cannot listen on {endpoint}: {ex.Message} (set status.listen to a free address:port)", ex);
        }

        _listener = listener;
        _acceptLoop = AcceptLoopAsync(listener, _stopping.Token);
        LogListening(logger, endpoint.ToString());
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_listener is null)
        {
            return;
        }

        await _stopping.CancelAsync();
        _listener.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _stopping.Dispose();
        _slots.Dispose();
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await listener.AcceptAsync(stopping);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                // A connection that went away before it was accepted; the listener itself is fine.
                LogAcceptFailed(logger, ex);
                continue;
            }

            if (!_slots.Wait(0))
            {
                connection.Dispose();
                continue;
            }

            _ = ServeAsync(connection, stopping);
        }
    }

    private async Task ServeAsync(Socket connection, CancellationToken stopping)
    {
        try
        {
            using (connection)
            {
                connection.NoDelay = true;
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                timeout.CancelAfter(HeadTimeout);
                var (status, head) = await ReadHeadAsync(connection, timeout.Token);
                var response = status != 0 ? Plain(status, StatusText(status)) : await RespondAsync(head!, stopping);
                await connection.SendAsync(response, SocketFlags.None, stopping);
                connection.Shutdown(SocketShutdown.Both);
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The client went away, was too slow, or the agent is stopping: nothing to answer.
        }
        catch (Exception ex)
        {
            LogServeFailed(logger, ex);
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>Reads up to the end of the request head; returns an error status (400, 431) or the head's first line.</summary>
    private static async Task<(int Status, string? RequestLine)> ReadHeadAsync(Socket connection, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxHeadBytes];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                return (431, null);
            }

            var n = await connection.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cancellationToken);
            if (n == 0)
            {
                return (400, null);
            }

            length += n;
            var end = buffer.AsSpan(0, length).IndexOf(HeadEnd);
            if (end >= 0)
            {
                var lineEnd = buffer.AsSpan(0, end + 2).IndexOf("\r\n"u8);
                return (0, Encoding.ASCII.GetString(buffer, 0, lineEnd));
            }
        }
    }

    private async Task<byte[]> RespondAsync(string requestLine, CancellationToken cancellationToken)
    {
        var parts = requestLine.Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal) || !parts[1].StartsWith('/'))
        {
            return Plain(400, StatusText(400));
        }

        var (method, target) = (parts[0], parts[1]);
        var path = target.Split('?', 2)[0];
        if (path is not ("/healthz" or "/metrics"))
        {
            return Plain(404, StatusText(404));
        }

        if (method is not ("GET" or "HEAD"))
        {
            return Plain(405, StatusText(405), "Allow: GET, HEAD\r\n");
        }

        var (status, contentType, body) = path == "/healthz" ? Health() : await MetricsAsync(cancellationToken);
        return Response(status, contentType, method == "HEAD" ? [] : body, body.Length);
    }

    private (int Status, string ContentType, byte[] Body) Health()
    {
        var snapshot = readiness.Snapshot();
        var body = new HealthDocument(
            snapshot.Ready ? "ready" : "not_ready",
            identity.NodeId,
            identity.Role,
            identity.Cluster,
            snapshot.Reasons.ToList(),
            snapshot.Checks.ToDictionary(c => c.Name, c => new HealthCheckDocument(c.Ready, c.Detail, c.Since)));
        return (snapshot.Ready ? 200 : 503, "application/json", JsonSerializer.SerializeToUtf8Bytes(body, StatusJson.Default.HealthDocument));
    }

    private async Task<(int Status, string ContentType, byte[] Body)> MetricsAsync(CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(body, cancellationToken);
        return (200, "text/plain; version=0.0.4; charset=utf-8", body.ToArray());
    }

    private static byte[] Plain(int status, string text, string extraHeaders = "")
        => Response(status, "text/plain; charset=utf-8", Encoding.UTF8.GetBytes(text + "\n"), null, extraHeaders);

    private static byte[] Response(int status, string contentType, byte[] body, int? contentLength = null, string extraHeaders = "")
    {
        var head = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"HTTP/1.1 {status} {StatusText(status)}\r\nContent-Type: {contentType}\r\nContent-Length: {contentLength ?? body.Length}\r\nCache-Control: no-store\r\nConnection: close\r\n{extraHeaders}\r\n"));
        return [.. head, .. body];
    }

    private static string StatusText(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Status",
    };

    [LoggerMessage(EventId = 1401, Level = LogLevel.Information, Message = "Status endpoint listening on http://{Listen} (/healthz, /metrics)")]
    private static partial void LogListening(ILogger logger, string listen);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Debug, Message = "Status endpoint: accept failed")]
    private static partial void LogAcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Error, Message = "Status endpoint: a request failed")]
    private static partial void LogServeFailed(ILogger logger, Exception exception);
}
