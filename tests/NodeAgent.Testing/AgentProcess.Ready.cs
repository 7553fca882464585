using System.Diagnostics;
using System.Net;

namespace NodeAgent.Testing;

public sealed partial class AgentProcess
{
    private static readonly TimeSpan ReadyPoll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ReadyRequestTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Polls the agent's <paramref name="healthz"/> until it answers 200 (ready) and, with <paramref name="nodeId"/>,
    /// names that node, not another suite's agent that happens to listen on the same address. A slow answer on a busy
    /// machine is just another poll; an agent that exits fails at once.
    /// </summary>
    public Task WaitReadyAsync(Uri healthz, TimeSpan timeout, string? nodeId = null)
        => WaitForStatusAsync(healthz, timeout, "ready", async response =>
            response.StatusCode == HttpStatusCode.OK
            && (nodeId is null || (await response.Content.ReadAsStringAsync()).Contains($"\"node\":\"{nodeId}\"", StringComparison.Ordinal)));

    /// <summary>Until the agent's status endpoint answers at all, ready or not (a web node whose health checks have not
    /// passed yet answers 503).</summary>
    public Task WaitAnsweringAsync(Uri healthz, TimeSpan timeout)
        => WaitForStatusAsync(healthz, timeout, "answering", _ => Task.FromResult(true));

    private async Task WaitForStatusAsync(Uri healthz, TimeSpan timeout, string what, Func<HttpResponseMessage, Task<bool>> done)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = ReadyRequestTimeout };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (HasExited)
            {
                throw new InvalidOperationException($"the agent behind {healthz} exited with {ExitCode} before it was {what}:\n{Diagnostics()}");
            }

            try
            {
                using var response = await http.GetAsync(healthz);
                if (await done(response))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or too busy to answer within the request timeout.
            }

            await Task.Delay(ReadyPoll);
        }

        throw new TimeoutException($"the agent behind {healthz} was not {what} within {timeout}:\n{Diagnostics()}");
    }

    private string Diagnostics()
        => $"{Tail(StandardOutput)}\n{Tail(StandardError)}{(LogFile is null ? string.Empty : $"\n(log: {LogFile})")}";

    private static string Tail(string text) => text.Length <= 8000 ? text : text[^8000..];
}
