using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace NodeAgent.Testing;

/// <summary>
/// Steady traffic through an lb: a few workers sending GETs back to back (keep-alive, like browsers) and recording
/// which web node answered, and every failure (non-200 or exception). Bounded: it stops after its duration at the latest.
/// Used by the lb tests and bench/membership.
/// </summary>
public sealed class LoadLoop : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly Task[] _workers;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <param name="host">The Host header to send; null sends the target's address.</param>
    /// <param name="userAgent">A User-Agent to send (to find these requests in a web server's access log).</param>
    /// <param name="pause">The pause between one worker's requests (default 2 ms).</param>
    public LoadLoop(IPEndPoint target, string? host, int workers = 4, TimeSpan? maxDuration = null, string? userAgent = null, TimeSpan? pause = null)
    {
        _stop = new CancellationTokenSource(maxDuration ?? TimeSpan.FromMinutes(2));
        var delay = pause ?? TimeSpan.FromMilliseconds(2);
        _workers = Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkAsync(target, host, userAgent, delay))).ToArray();
    }

    /// <summary>(elapsed ms, answering node or null, failure or null) per request.</summary>
    public ConcurrentQueue<(long At, string? Node, string? Failure)> Results { get; } = new();

    public IReadOnlyList<string> Failures => Results.Where(r => r.Failure is not null).Select(r => $"{r.At} ms: {r.Failure}").ToList();

    /// <summary>Requests answered 200.</summary>
    public int Ok => Results.Count(r => r.Failure is null);

    /// <summary>Requests answered otherwise, or not at all.</summary>
    public int Failed => Results.Count(r => r.Failure is not null);

    public long ElapsedMs => _clock.ElapsedMilliseconds;

    public int CountFrom(string node) => Results.Count(r => r.Node == node);

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task WorkAsync(IPEndPoint target, string? host, string? userAgent, TimeSpan pause)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(5) })
        {
            Timeout = TimeSpan.FromSeconds(10),
        };
        if (userAgent is not null)
        {
            http.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
        }

        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{target}/");
                if (host is not null)
                {
                    request.Headers.Host = host;
                }

                using var response = await http.SendAsync(request, _stop.Token);
                var body = (await response.Content.ReadAsStringAsync(_stop.Token)).Trim();
                Results.Enqueue(response.StatusCode == HttpStatusCode.OK
                    ? (ElapsedMs, body, null)
                    : (ElapsedMs, null, $"{(int)response.StatusCode} {body}"));
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                Results.Enqueue((ElapsedMs, null, ex.GetType().Name + ": " + ex.Message));
            }

            await Task.Delay(pause);
        }
    }
}
