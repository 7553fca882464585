using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.AutoScaling;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Status;

namespace NodeAgent.Instance;

/// <summary>
/// The launch hook (<c>Pending:Wait</c>): started after every other service, so after the startup tasks (queue, the
/// role's catch-up, serving, registration, DNS). It waits until the node is ready — every readiness check of
/// <c>/healthz</c> passes, so caught up, serving, healthy and registered — and only then completes the hook with
/// CONTINUE. It records heartbeats while it waits; a node that is not ready within <c>lifecycle.launch_timeout</c>
/// completes with ABANDON and stops, so the group replaces it. A boot that fails before this (bad user-data, a failed
/// startup task) is reported by <see cref="LaunchFailure"/>. The completion is remembered in the state dir, so a
/// restarted agent does not complete the launch again.
/// </summary>
public sealed partial class LaunchHookService(
    LifecycleHooks hooks,
    ILifecycleActions actions,
    ReadinessState readiness,
    NodeIdentity identity,
    AgentConfig config,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<LaunchHookService> logger) : IHostedService
{
    private readonly CancellationTokenSource _stop = new();
    private Task _run = Task.CompletedTask;

    /// <summary>Completes when the launch hook was handled (tests).</summary>
    public Task Completion => _run;

    private string Marker => Path.Combine(config.Node.StateDir, "lifecycle", "launch-completed");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _run = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        try
        {
            await _run.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopping while waiting for readiness: the hook times out with its default result.
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (File.Exists(Marker) && (await File.ReadAllTextAsync(Marker, cancellationToken)).Trim() == identity.InstanceId)
            {
                return;
            }

            var hook = await hooks.LaunchAsync(cancellationToken);
            if (hook is null)
            {
                LogNoHook(logger);
                return;
            }

            var clock = Stopwatch.StartNew();
            await using (LifecycleHeartbeat.Start(actions, hook, identity.InstanceId, config.Lifecycle.HeartbeatTimeout / 3, time, logger))
            {
                var ready = await WaitReadyAsync(config.Lifecycle.LaunchTimeout, cancellationToken);
                if (!ready)
                {
                    var reasons = string.Join("; ", readiness.Snapshot().Reasons);
                    LogAbandoning(logger, hook.ToString(), config.Lifecycle.LaunchTimeout.TotalSeconds, reasons);
                    await CompleteAsync(hook, LifecycleActionResult.Abandon, cancellationToken);
                    lifetime.StopApplication();
                    return;
                }
            }

            await CompleteAsync(hook, LifecycleActionResult.Continue, cancellationToken);
            LogContinued(logger, hook.ToString(), clock.ElapsedMilliseconds);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped first.
        }
        catch (Exception ex)
        {
            LogFailed(logger, ex);
        }
    }

    private async Task<bool> WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var changed = new SemaphoreSlim(0);
        void OnChanged()
        {
            if (changed.CurrentCount == 0)
            {
                changed.Release();
            }
        }

        readiness.Changed += OnChanged;
        try
        {
            var deadline = time.GetUtcNow() + timeout;
            while (!readiness.Snapshot().Ready)
            {
                var left = deadline - time.GetUtcNow();
                if (left <= TimeSpan.Zero)
                {
                    return false;
                }

                // Changes wake the wait; the poll is a backstop for a check that stays the same but became true.
                await changed.WaitAsync(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1), cancellationToken);
            }

            return true;
        }
        finally
        {
            readiness.Changed -= OnChanged;
        }
    }

    private async Task CompleteAsync(LifecycleHookTarget hook, LifecycleActionResult result, CancellationToken cancellationToken)
    {
        try
        {
            await actions.CompleteAsync(hook, identity.InstanceId, result, cancellationToken);
        }
        catch (LifecycleActionNotFoundException ex)
        {
            LogNothingToComplete(logger, hook.ToString(), ex.Message);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Marker)!);
        FileSystem.AtomicFile.WriteAllText(Marker, identity.InstanceId + "\n");
    }

    [LoggerMessage(EventId = 7643, Level = LogLevel.Information, Message = "Lifecycle: no launch hook is known (lifecycle.launch_hook or the instance tag); nothing to complete at launch")]
    private static partial void LogNoHook(ILogger logger);

    [LoggerMessage(EventId = 7644, Level = LogLevel.Warning, Message = "Lifecycle: the node is ready; completed the launch hook {Hook} with CONTINUE ({ElapsedMs} ms after start)")]
    private static partial void LogContinued(ILogger logger, string hook, long elapsedMs);

    [LoggerMessage(EventId = 7645, Level = LogLevel.Error, Message = "Lifecycle: not ready within {TimeoutSeconds:0} s; completing the launch hook {Hook} with ABANDON and stopping: {Reasons}")]
    private static partial void LogAbandoning(ILogger logger, string hook, double timeoutSeconds, string reasons);

    [LoggerMessage(EventId = 7646, Level = LogLevel.Information, Message = "Lifecycle: nothing to complete on {Hook}: {Reason}")]
    private static partial void LogNothingToComplete(ILogger logger, string hook, string reason);

    [LoggerMessage(EventId = 7647, Level = LogLevel.Error, Message = "Lifecycle: handling the launch hook failed; the hook times out with its default result")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
