using System.Globalization;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Processes;
using NodeAgent.Roles.Lb.Configuration;

namespace NodeAgent.Roles.Lb.Haproxy;

/// <summary>
/// The HAProxy master-worker process the lb role owns: validated before every start and reload, started as a child in
/// master-worker mode (<c>-W</c>, pid file, master CLI socket), reloaded through the master CLI (the same re-exec as
/// <c>haproxy -sf</c>: old workers finish their connections), and stopped softly (SIGUSR1). An HAProxy left running by
/// an agent that died is taken over seamlessly: the new master starts with <c>-sf &lt;old master&gt;</c>.
/// </summary>
public sealed partial class HaproxyProcess(
    LbSection lb,
    HaproxyPaths paths,
    IProcessRunner runner,
    IHaproxyRuntime runtime,
    ILogger<HaproxyProcess> logger) : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan ReloadTimeout = TimeSpan.FromSeconds(20);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Task<ProcessResult>? _run;
    private CancellationTokenSource? _hardStop;

    public bool IsRunning => _run is { IsCompleted: false };

    /// <summary>Completes when the running master exits (for the supervisor); null before the first start.</summary>
    public Task? Exited => _run;

    public int? MasterPid { get; private set; }

    /// <summary><c>haproxy -c</c>: throws <see cref="HaproxyConfigException"/> with HAProxy's own message when invalid.</summary>
    public async Task ValidateAsync(CancellationToken cancellationToken)
    {
        var result = await runner.RunAsync(
            new ProcessSpec(lb.HaproxyBinary, ["-c", "-f", paths.Config]) { Timeout = TimeSpan.FromSeconds(30) },
            cancellationToken,
            allowFailure: true);
        if (result.ExitCode != 0)
        {
            var output = (result.StandardError + result.StandardOutput).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var alerts = output.Where(l => l.Contains("[ALERT]", StringComparison.Ordinal))
                .Select(l => l[(l.IndexOf(") : ", StringComparison.Ordinal) is var i and >= 0 ? i + 4 : 0)..])
                .ToList();
            throw new HaproxyConfigException(paths.Config, string.Join("; ", alerts.Count > 0 ? alerts : output));
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (IsRunning)
            {
                return;
            }

            await ValidateAsync(cancellationToken);
            var orphan = FindOrphanMaster();
            List<string> args = ["-W", "-f", paths.Config, "-p", paths.PidFile, "-S", paths.MasterSocket + ",mode,600"];
            if (orphan is { } old)
            {
                args.AddRange(["-sf", old.ToString(CultureInfo.InvariantCulture)]);
                LogTakingOver(logger, old);
            }

            _hardStop?.Dispose();
            _hardStop = new CancellationTokenSource();
            var spec = new ProcessSpec(lb.HaproxyBinary, args)
            {
                OnLine = line => LogOutput(logger, line),
                GracePeriod = TimeSpan.FromSeconds(3),
                MaxCapturedChars = 16 * 1024,
            };
            _run = runner.RunAsync(spec, _hardStop.Token, allowFailure: true);
            MasterPid = await WaitUntilServingAsync(_run, orphan, cancellationToken);
            LogStarted(logger, MasterPid.Value, paths.Config);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Validates the config on disk, reloads, and returns once a new worker answers on the stats socket.</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!IsRunning)
            {
                throw new InvalidOperationException("HAProxy is not running");
            }

            await ValidateAsync(cancellationToken);
            var before = await runtime.ShowProcAsync(cancellationToken);
            await runtime.ReloadAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ReloadTimeout);
            while (true)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), timeout.Token);
                if (_run is { IsCompleted: true })
                {
                    throw new InvalidOperationException("HAProxy exited during a reload");
                }

                MasterState now;
                try
                {
                    now = await runtime.ShowProcAsync(timeout.Token);
                }
                catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or TimeoutException or FormatException)
                {
                    continue;
                }

                if (now.FailedReloads > before.FailedReloads)
                {
                    throw new InvalidOperationException("HAProxy refused the reload; it keeps serving the previous configuration");
                }

                var fresh = now.Workers.Where(w => !before.Workers.Contains(w)).ToList();
                if (now.Reloads <= before.Reloads || fresh.Count == 0)
                {
                    continue;
                }

                if (await WorkerAnswersAsync(fresh, timeout.Token))
                {
                    LogReloaded(logger, now.Reloads);
                    return;
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Soft stop (SIGUSR1: finish connections), then a hard stop after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_run is null || _run.IsCompleted)
            {
                return;
            }

            if (MasterPid is { } pid)
            {
                ProcessSignals.Send(pid, ProcessSignals.SigUsr1);
            }

            if (await Task.WhenAny(_run, Task.Delay(grace, cancellationToken)) != _run)
            {
                LogHardStop(logger, grace.TotalSeconds);
                await _hardStop!.CancelAsync();
            }

            try
            {
                await _run;
            }
            catch (Exception ex) when (ex is OperationCanceledException or ProcessFailedException)
            {
                // Stopped by force; already logged.
            }

            LogStopped(logger);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        _hardStop?.Dispose();
        _gate.Dispose();
    }

    private async Task<int> WaitUntilServingAsync(Task<ProcessResult> run, int? orphan, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        while (true)
        {
            if (run.IsCompleted)
            {
                var result = await run;
                throw new InvalidOperationException(
                    $"HAProxy exited with code {result.ExitCode} while starting: {Tail(result.StandardError + result.StandardOutput)}");
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(25), timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"HAProxy did not start serving within {StartTimeout.TotalSeconds:0} s");
            }

            var pid = ReadPidFile();
            if (pid is null || pid == orphan)
            {
                continue;
            }

            try
            {
                var master = await runtime.ShowProcAsync(timeout.Token);
                if (master.MasterPid == pid && master.Workers.Count > 0 && await WorkerAnswersAsync(master.Workers, timeout.Token))
                {
                    return pid.Value;
                }
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or FormatException or HaproxyCommandException or TimeoutException)
            {
                // Not listening yet.
            }
        }
    }

    private async Task<bool> WorkerAnswersAsync(IReadOnlyCollection<int> workers, CancellationToken cancellationToken)
    {
        try
        {
            return workers.Contains(await runtime.WorkerPidAsync(cancellationToken));
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or FormatException or HaproxyCommandException or TimeoutException)
        {
            return false;
        }
    }

    private int? ReadPidFile()
    {
        try
        {
            return int.TryParse(File.ReadAllText(paths.PidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A master from an earlier agent run, still alive and running our config file.</summary>
    private int? FindOrphanMaster()
    {
        if (ReadPidFile() is not { } pid || !ProcessSignals.Exists(pid))
        {
            return null;
        }

        try
        {
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
            return cmdline.Contains(paths.Config) && cmdline.Contains("-W") ? pid : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Tail(string text)
    {
        text = text.Trim();
        return text.Length <= 1000 ? text : "…" + text[^1000..];
    }

    [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "HAProxy master {Pid} serving {Config}")]
    private static partial void LogStarted(ILogger logger, int pid, string config);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "HAProxy reloaded (reload {Reloads})")]
    private static partial void LogReloaded(ILogger logger, int reloads);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "HAProxy stopped")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "HAProxy did not finish its connections within {GraceSeconds:0} s; stopping it hard")]
    private static partial void LogHardStop(ILogger logger, double graceSeconds);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "Taking over HAProxy master {Pid} left running by an earlier agent (it finishes its connections)")]
    private static partial void LogTakingOver(ILogger logger, int pid);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Information, Message = "haproxy: {Line}")]
    private static partial void LogOutput(ILogger logger, string line);
}
