using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace NodeAgent.Tests.Roles.Lb;

/// <summary>
/// Steady traffic through an lb: a few workers sending GETs back to back (keep-alive, like browsers) and recording
/// which web node answered, and every failure (non-200 or exception). Bounded: it stops after its duration at the latest.
/// </summary>
internal sealed class LoadLoop : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly Task[] _workers;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public LoadLoop(IPEndPoint target, string host, int workers = 4, TimeSpan? maxDuration = null)
    {
        _stop = new CancellationTokenSource(maxDuration ?? TimeSpan.FromMinutes(2));
        _workers = Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkAsync(target, host))).ToArray();
    }

    /// <summary>(elapsed ms, answering node or null, failure or null) per request.</summary>
    public ConcurrentQueue<(long At, string? Node, string? Failure)> Results { get; } = new();

    public IReadOnlyList<string> Failures => Results.Where(r => r.Failure is not null).Select(r => $"{r.At} ms: {r.Failure}").ToList();

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

    private async Task WorkAsync(IPEndPoint target, string host)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(5) })
        {
            Timeout = TimeSpan.FromSeconds(10),
        };
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{target}/");
                request.Headers.Host = host;
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

            await Task.Delay(2);
        }
    }
}
