using System.Diagnostics;
using System.Net;
using System.Text.Json;
using NodeAgent.Testing;

namespace NodeAgent.Bench.Dns;

/// <summary>One lb node of the benchmark: the real agent binary (which runs its HAProxy), its user-data and its log file.</summary>
public sealed class BenchNode(string id, IPAddress address, string userData, string stateDir, string log) : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private Process? _process;
    private StreamWriter? _log;

    public string Id { get; } = id;

    public IPAddress Address { get; } = address;

    public string Log { get; } = log;

    /// <summary>Starts the agent and waits until its /healthz says ready.</summary>
    public async Task StartAsync()
    {
        _log = new StreamWriter(Log, append: true) { AutoFlush = true };
        var start = new ProcessStartInfo("dotnet", [RepoPaths.AgentDll, "run", "--user-data", userData])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (k, v) in LocalStack.SdkEnvironment)
        {
            start.Environment[k] = v;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start the agent");
        var writer = _log;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (writer) { writer.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (writer) { writer.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{Id} exited with code {process.ExitCode}; see {Log}");
            }

            if (await ReadyAsync())
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{Id} never became ready; see {Log}");
    }

    /// <summary>The node dies: SIGKILL to the agent and to its HAProxy (no release, no deregistration, no proxy).</summary>
    public void Kill()
    {
        _process?.Kill(entireProcessTree: true);
        _process?.WaitForExit(10_000);
        OrphanedHaproxy.KillUnder(stateDir);
    }

    public async Task<bool> ReadyAsync()
    {
        try
        {
            using var response = await Http.GetAsync(new Uri($"http://{Address}:9780/healthz"));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    public async Task<string?> FailoverDetailAsync()
    {
        try
        {
            var health = JsonDocument.Parse(await Http.GetStringAsync(new Uri($"http://{Address}:9780/healthz"))).RootElement;
            return health.GetProperty("checks").GetProperty("failover").GetProperty("detail").GetString();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        OrphanedHaproxy.KillUnder(stateDir);
        if (_log is not null)
        {
            await _log.DisposeAsync();
        }
    }
}
