using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;

namespace NodeAgent.Bench;

/// <summary>A nodeagent process (the real binary) with its log in a file.</summary>
public sealed partial class Agent : IAsyncDisposable
{
    private readonly Process _process;

    private readonly string? _nodeId;

    private Agent(Process process, IPAddress address, string? nodeId)
    {
        _process = process;
        Address = address;
        _nodeId = nodeId;
    }

    public IPAddress Address { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <param name="nodeId">When given, readiness counts only if /healthz names this node (not another suite's agent
    /// that happens to listen on the same address).</param>
    public static Agent Start(string userData, IPAddress address, string logFile, string? nodeId = null)
    {
        // NODEAGENT_BENCH_AGENT: an installed-style build (the self-contained ReadyToRun publish install/install.sh makes)
        // to run instead of the build output's nodeagent.dll.
        var published = Environment.GetEnvironmentVariable("NODEAGENT_BENCH_AGENT");
        var start = string.IsNullOrEmpty(published)
            ? new ProcessStartInfo("dotnet", [Paths.AgentDll, "run", "--user-data", userData])
            : new ProcessStartInfo(published, ["run", "--user-data", userData]);
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment["AWS_ACCESS_KEY_ID"] = "test";
        start.Environment["AWS_SECRET_ACCESS_KEY"] = "test";
        start.Environment.Remove("NODEAGENT_USER_DATA");
        var process = Process.Start(start)!;
        var log = new StreamWriter(logFile, append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.Exited += (_, _) => { lock (log) { log.Flush(); } };
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new Agent(process, address, nodeId);
    }

    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"agent on {Address} exited with {_process.ExitCode} before it was ready");
            }

            try
            {
                using var response = await http.GetAsync($"http://{Address}:9780/healthz");
                if (response.StatusCode == HttpStatusCode.OK
                    && (_nodeId is null || (await response.Content.ReadAsStringAsync()).Contains($"\"node\":\"{_nodeId}\"", StringComparison.Ordinal)))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"agent on {Address} not ready within {timeout}");
    }

    public void Kill9() => _ = KillPid(_process.Id, 9);

    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return;
        }

        _ = KillPid(_process.Id, 15);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async Task WaitForExitAsync() => await _process.WaitForExitAsync();

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(15));
        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillPid(int pid, int signal);
}
