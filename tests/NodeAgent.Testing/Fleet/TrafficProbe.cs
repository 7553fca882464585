using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace NodeAgent.Testing.Fleet;

/// <summary>
/// A client of the cluster: resolves <c>lb.&lt;zone&gt;</c> at BIND before every request (a TTL-0 client; while BIND
/// does not answer it keeps the last answer, as a caching resolver serving stale does) and sends GET / through that
/// lb node, one request at a time. Bounded: stops by itself after <c>maxDuration</c> or <c>maxRequests</c>.
/// Faults the scenario injects are declared as windows; a failed request outside every window is a defect.
/// </summary>
public sealed class TrafficProbe : IAsyncDisposable
{
    private readonly Fleet _fleet;
    private readonly ConcurrentQueue<Sample> _samples = new();
    private readonly ConcurrentQueue<FaultWindow> _windows = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private TrafficProbe(Fleet fleet, TimeSpan maxDuration, int maxRequests)
    {
        _fleet = fleet;
        _stop.CancelAfter(maxDuration);
        _loop = Task.Run(() => RunAsync(maxRequests, _stop.Token));
    }

    public static TrafficProbe Start(Fleet fleet, TimeSpan maxDuration, int maxRequests = 100_000) => new(fleet, maxDuration, maxRequests);

    public IReadOnlyCollection<Sample> Samples => _samples;

    public int Requests => _samples.Count;

    public int Failed => _samples.Count(s => !s.Ok);

    /// <summary>Now, on the probe's clock.</summary>
    public TimeSpan Now => _clock.Elapsed;

    /// <summary>Requests may fail from <paramref name="from"/> for <paramref name="allowed"/> (a documented window).</summary>
    public void AllowFailures(string fault, TimeSpan from, TimeSpan allowed) => _windows.Enqueue(new FaultWindow(fault, from, from + allowed));

    /// <summary>Failed requests outside every declared window.</summary>
    public IReadOnlyList<Sample> UnexpectedFailures()
        => _samples.Where(s => !s.Ok && !_windows.Any(w => s.At >= w.From && s.At <= w.To)).ToList();

    /// <summary>Failed requests between two moments, and the span from the first to the last of them.</summary>
    public (int Failed, TimeSpan Span) FailuresBetween(TimeSpan from, TimeSpan to)
    {
        var failed = _samples.Where(s => !s.Ok && s.At >= from && s.At <= to).OrderBy(s => s.At).ToList();
        return failed.Count == 0 ? (0, TimeSpan.Zero) : (failed.Count, failed[^1].At - failed[0].At);
    }

    /// <summary>Waits until a request sent after <paramref name="since"/> succeeded through <paramref name="lb"/> (if given)
    /// with a body containing <paramref name="body"/> (if given); returns when that happened on the probe's clock.</summary>
    public async Task<TimeSpan> WaitForAsync(TimeSpan since, TimeSpan timeout, IPAddress? lb = null, string? body = null)
    {
        var deadline = _clock.Elapsed + timeout;
        while (_clock.Elapsed < deadline)
        {
            var hit = _samples.FirstOrDefault(s => s.At >= since && s.Ok && (lb is null || lb.Equals(s.Lb)) && (body is null || s.Body?.Contains(body, StringComparison.Ordinal) == true));
            if (hit is not null)
            {
                return hit.At;
            }

            if (_loop.IsCompleted)
            {
                throw new InvalidOperationException("the traffic probe has stopped");
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"no successful request{(lb is null ? string.Empty : $" through {lb}")}{(body is null ? string.Empty : $" serving '{body}'")} within {timeout}; last: {_samples.LastOrDefault()}");
    }

    public string Describe(IEnumerable<Sample> samples) => string.Join('\n', samples.Take(20).Select(s => s.ToString()));

    private async Task RunAsync(int maxRequests, CancellationToken cancellationToken)
    {
        using var http = Fleet.NewHttpClient(TimeSpan.FromSeconds(2));
        using var dns = _fleet.NewDnsClient();
        IPAddress? last = null;
        for (var i = 0; i < maxRequests && !cancellationToken.IsCancellationRequested; i++)
        {
            var at = _clock.Elapsed;
            try
            {
                var records = await dns.ReadAsync(_fleet.LbName, cancellationToken);
                last = records.Addresses.Count > 0 ? records.Addresses[0] : last;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // BIND is down or slow: keep the last answer.
            }

            if (last is null)
            {
                _samples.Enqueue(new Sample(at, false, 0, null, null, $"{_fleet.LbName} does not resolve"));
                continue;
            }

            try
            {
                using var response = await http.GetAsync(new Uri($"http://{last}:{Fleet.HttpPort}/"), cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                var node = response.Headers.TryGetValues("X-Node", out var values) ? values.FirstOrDefault() : null;
                _samples.Enqueue(new Sample(at, response.IsSuccessStatusCode, (int)response.StatusCode, body.Trim(), last, node));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                _samples.Enqueue(new Sample(at, false, 0, null, last, ex.GetBaseException().Message));
            }

            await Task.Delay(40, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // Stopped while a request or a DNS query was in flight.
        }

        _stop.Dispose();
    }

    /// <summary>One request: when it was sent, whether it succeeded, what answered and through which lb.</summary>
    public sealed record Sample(TimeSpan At, bool Ok, int Status, string? Body, IPAddress? Lb, string? Detail)
    {
        public override string ToString() => $"{At.TotalSeconds:F2}s {(Ok ? "ok" : "FAILED")} {Status} via {Lb}: {Detail} {Body}";
    }

    private sealed record FaultWindow(string Fault, TimeSpan From, TimeSpan To);
}
