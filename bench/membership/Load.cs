using System.Collections.Concurrent;
using System.Net;

namespace NodeAgent.Bench.Membership;

/// <summary>Steady client traffic through the lb (two keep-alive clients), counting answers and failures.</summary>
public sealed class Load : IAsyncDisposable
{
    public const string UserAgent = "membership-bench/1";

    private readonly CancellationTokenSource _stop = new(TimeSpan.FromMinutes(30));
    private readonly Task[] _workers;
    private int _ok;
    private int _failed;

    public Load(IPEndPoint target)
    {
        _workers = Enumerable.Range(0, 2).Select(_ => Task.Run(() => WorkAsync(target))).ToArray();
    }

    public int Ok => _ok;

    public int Failed => _failed;

    public ConcurrentQueue<string> Failures { get; } = new();

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

    private async Task WorkAsync(IPEndPoint target)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var response = await http.GetAsync($"http://{target}/", _stop.Token);
                await response.Content.ReadAsStringAsync(_stop.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref _ok);
                }
                else
                {
                    Interlocked.Increment(ref _failed);
                    Failures.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} HTTP {(int)response.StatusCode}");
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                Interlocked.Increment(ref _failed);
                Failures.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {ex.GetType().Name}: {ex.Message}");
            }

            await Task.Delay(3);
        }
    }
}
