using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using NodeAgent.Configuration;

namespace NodeAgent.Roles.Web.Health;

/// <summary>
/// An HTTP GET of the local web server on the node's own address (what the balancers reach), with the configured
/// path, Host header, expected status and timeout. The connection is not reused, like HAProxy's checks, so a
/// server that stopped accepting connections fails the next check.
/// </summary>
public sealed class HttpHealthProbe : IHealthProbe, IDisposable
{
    private readonly HttpCheckConfig _check;
    private readonly HttpClient _http;
    private readonly Uri _url;

    public HttpHealthProbe(HttpCheckConfig check, IPAddress address, int defaultPort)
    {
        _check = check;
        var host = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        _url = new Uri($"http://{host}:{check.Port ?? defaultPort}{check.Path}");
        _http = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.Zero,
            ConnectTimeout = check.Timeout,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public string Target => $"GET {_url}";

    public async Task<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_check.Timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, _url);
        request.Headers.ConnectionClose = true;
        request.Headers.UserAgent.ParseAdd("nodeagent-health/1");
        if (_check.Host is { } hostHeader)
        {
            request.Headers.Host = hostHeader;
        }

        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            return status == _check.ExpectStatus
                ? new ProbeResult(true, $"{status} in {clock.ElapsedMilliseconds} ms")
                : new ProbeResult(false, $"expected status {_check.ExpectStatus}, got {status}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ProbeResult(false, $"no answer within {_check.Timeout.TotalMilliseconds:0} ms");
        }
        catch (HttpRequestException ex)
        {
            return new ProbeResult(false, ex.InnerException is SocketException se ? se.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.TimedOut => "connect timed out",
                _ => se.Message,
            } : ex.Message);
        }
    }

    public void Dispose() => _http.Dispose();
}
