using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace NodeAgent.Testing;

/// <summary>
/// The real nodeagent binary as a child process, with output captured (and, if asked, appended to a log file) and
/// signals delivered. Used by the tests, the benches and the demo's fleet.
/// </summary>
public sealed partial class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly AgentStartOptions _options;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly Lock _logLock = new();
    private StreamWriter? _log;

    private AgentProcess(Process process, AgentStartOptions options)
    {
        _process = process;
        _options = options;
        _log = options.LogFile is null ? null : new StreamWriter(options.LogFile, append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _stdout.Enqueue(e.Data); Append(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _stderr.Enqueue(e.Data); Append(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public string StandardOutput => string.Join('\n', _stdout);

    public string StandardError => string.Join('\n', _stderr);

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The file the output also goes to, if any.</summary>
    public string? LogFile => _options.LogFile;

    public static AgentProcess Start(IEnumerable<string> args, AgentStartOptions? options = null)
    {
        options ??= AgentStartOptions.Default;
        var start = new ProcessStartInfo(options.Binary.Program, [.. options.Binary.LeadingArguments, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (k, v) in LocalStack.SdkEnvironment)
        {
            start.Environment[k] = v;
        }

        // Every test cluster trusts the test publish key: `nodeagent deploy` signs with it unless a test says otherwise.
        start.Environment["NODEAGENT_PUBLISH_KEY"] = TestKeys.PrivateKeyFile;

        foreach (var (k, v) in options.Environment ?? new Dictionary<string, string>())
        {
            start.Environment[k] = v;
        }

        start.Environment.Remove("NODEAGENT_USER_DATA");
        return new AgentProcess(Process.Start(start) ?? throw new InvalidOperationException("cannot start the agent"), options);
    }

    /// <summary>Runs the agent to completion and returns its exit code; fails the test if it overruns.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IEnumerable<string> args, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        await using var agent = Start(args, environment is null ? null : AgentStartOptions.Default with { Environment = environment });
        var exited = await agent.WaitForExitAsync(timeout);
        Assert.True(exited, $"nodeagent {string.Join(' ', args)} did not exit within {timeout}:\n{agent.StandardOutput}\n{agent.StandardError}");
        return (agent.ExitCode, agent.StandardOutput, agent.StandardError);
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            _process.WaitForExit();
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGKILL to the agent alone (its children, e.g. HAProxy, are left running), as when it crashes.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit(5000);
    }

    public void Signal(PosixSignal signal)
    {
        var number = signal switch
        {
            PosixSignal.SIGTERM => UnixSignals.SigTerm,
            PosixSignal.SIGINT => UnixSignals.SigInt,
            _ => throw new ArgumentOutOfRangeException(nameof(signal)),
        };
        if (!UnixSignals.Send(_process.Id, number))
        {
            throw new InvalidOperationException($"kill({_process.Id}, {number}) failed");
        }
    }

    /// <summary>
    /// Graceful stop: SIGTERM, then up to <paramref name="timeout"/> for the agent to drain, deregister and exit. An agent
    /// that overruns is killed with its children. True when it stopped by itself.
    /// </summary>
    public async Task<bool> StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return true;
        }

        _ = UnixSignals.Send(_process.Id, UnixSignals.SigTerm);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_options.GracefulStopOnDispose is { } grace)
        {
            await StopAsync(grace);
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        lock (_logLock)
        {
            // Lines still in flight after this are kept in memory only.
            _log?.Dispose();
            _log = null;
        }
    }

    private void Append(string line)
    {
        lock (_logLock)
        {
            _log?.WriteLine(line);
        }
    }
}
