using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.AutoScaling;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Status;

namespace NodeAgent.Instance;

/// <summary>
/// The node's way out when its instance is going away (docs/install.md, "Instance lifecycle"):
/// <list type="number">
/// <item>heartbeats on the termination hook start, one every third of <c>lifecycle.heartbeat_timeout</c>;</item>
/// <item>the role's <see cref="ITerminationStep"/>s run while everything still serves (a web node leaves every lb
/// node, an lb node hands over its shared name, a db node archives its last WAL), bounded by
/// <c>lifecycle.termination_timeout</c> and a spot notice's deadline;</item>
/// <item>the agent stops gracefully, the same stop as on SIGTERM (services stop, the node deregisters);</item>
/// <item>once every service has stopped (<see cref="StoppedAsync"/>) the termination hook is completed with
/// CONTINUE, exactly once.</item>
/// </list>
/// A rebalance recommendation with <c>lifecycle.rebalance: drain</c> runs the steps early (<see cref="DrainEarly"/>)
/// and keeps the node up; the termination that follows then only stops and completes.
/// </summary>
public sealed partial class TerminationSequence(
    IEnumerable<ITerminationStep> steps,
    LifecycleHooks hooks,
    ILifecycleActions actions,
    NodeIdentity identity,
    AgentConfig config,
    IHostApplicationLifetime lifetime,
    ReadinessState readiness,
    TimeProvider time,
    ILogger<TerminationSequence> logger) : IHostedLifecycleService
{
    public const string ReadinessCheck = "lifecycle";

    /// <summary>Time kept back before a spot deadline for the graceful stop and the completion.</summary>
    public static readonly TimeSpan SpotReserve = TimeSpan.FromSeconds(20);

    private readonly Lock _lock = new();
    private readonly LifecycleSection _settings = config.Lifecycle;
    private Task? _steps;
    private Task? _termination;
    private LifecycleHookTarget? _hook;
    private LifecycleHeartbeat? _heartbeat;
    private int _completed;

    /// <summary>The notice the node is terminating for, once it is.</summary>
    public TerminationNotice? Terminating { get; private set; }

    /// <summary>Completes when the termination's steps have run and the agent was asked to stop (tests).</summary>
    public Task? Termination => _termination;

    /// <summary>Starts the termination (once; later notices are ignored).</summary>
    public void Begin(TerminationNotice notice)
    {
        lock (_lock)
        {
            if (Terminating is not null)
            {
                return;
            }

            Terminating = notice;
            _termination = Task.Run(() => TerminateAsync(notice));
        }
    }

    /// <summary>Runs the role's steps now without stopping the node (a rebalance recommendation with <c>rebalance: drain</c>).</summary>
    public void DrainEarly(TerminationNotice notice)
    {
        lock (_lock)
        {
            if (_steps is null)
            {
                LogDrainingEarly(logger, notice.Description);
                readiness.Set(ReadinessCheck, true, $"draining early: {notice.Description}");
                _steps = Task.Run(() => RunStepsAsync(notice));
            }
        }
    }

    private async Task TerminateAsync(TerminationNotice notice)
    {
        LogTerminating(logger, notice.Description);
        readiness.Set(ReadinessCheck, false, $"terminating: {notice.Description}");
        var clock = Stopwatch.StartNew();
        try
        {
            _hook = await hooks.TerminationAsync(CancellationToken.None);
            if (_hook is not null)
            {
                _heartbeat = LifecycleHeartbeat.Start(actions, _hook, identity.InstanceId, _settings.HeartbeatTimeout / 3, time, logger);
            }
            else
            {
                LogNoHook(logger);
            }

            Task stepsRun;
            lock (_lock)
            {
                stepsRun = _steps ??= Task.Run(() => RunStepsAsync(notice));
            }

            await stepsRun;
        }
        catch (Exception ex)
        {
            LogStepsFailed(logger, ex);
        }

        LogStopping(logger, clock.ElapsedMilliseconds);
        lifetime.StopApplication();
    }

    private async Task RunStepsAsync(TerminationNotice notice)
    {
        var bound = _settings.TerminationTimeout;
        if (notice.Deadline is { } deadline)
        {
            var left = deadline - time.GetUtcNow() - SpotReserve;
            bound = left < bound ? (left > TimeSpan.Zero ? left : TimeSpan.FromSeconds(1)) : bound;
        }

        using var bounded = new CancellationTokenSource(bound, time);
        foreach (var step in steps)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                await step.RunAsync(notice, bounded.Token);
                LogStepDone(logger, step.Name, clock.ElapsedMilliseconds);
            }
            catch (OperationCanceledException) when (bounded.IsCancellationRequested)
            {
                LogStepTimedOut(logger, step.Name, bound.TotalSeconds);
            }
            catch (Exception ex)
            {
                LogStepFailed(logger, step.Name, ex);
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>After every service stopped (drained, deregistered): CONTINUE on the termination hook, once.</summary>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        if (_termination is null || Interlocked.Exchange(ref _completed, 1) == 1)
        {
            return;
        }

        await _termination;
        if (_heartbeat is { } heartbeat)
        {
            await heartbeat.DisposeAsync();
            LogHeartbeats(logger, heartbeat.Sent);
        }

        if (_hook is not { } hook)
        {
            return;
        }

        // Not the host's shutdown token: the completion is the one call that must go out, and it is short.
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await actions.CompleteAsync(hook, identity.InstanceId, LifecycleActionResult.Continue, bound.Token);
            LogCompleted(logger, hook.ToString());
        }
        catch (LifecycleActionNotFoundException ex)
        {
            LogNothingToComplete(logger, hook.ToString(), ex.Message);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogCompleteFailed(logger, hook.ToString(), ex);
        }
    }

    [LoggerMessage(EventId = 7630, Level = LogLevel.Warning, Message = "Lifecycle: the instance is going away ({Notice}); running the role's termination steps")]
    private static partial void LogTerminating(ILogger logger, string notice);

    [LoggerMessage(EventId = 7631, Level = LogLevel.Information, Message = "Lifecycle: termination step '{Step}' done in {ElapsedMs} ms")]
    private static partial void LogStepDone(ILogger logger, string step, long elapsedMs);

    [LoggerMessage(EventId = 7632, Level = LogLevel.Warning, Message = "Lifecycle: termination step '{Step}' did not finish within {BoundSeconds:0} s; going on")]
    private static partial void LogStepTimedOut(ILogger logger, string step, double boundSeconds);

    [LoggerMessage(EventId = 7633, Level = LogLevel.Error, Message = "Lifecycle: termination step '{Step}' failed; going on")]
    private static partial void LogStepFailed(ILogger logger, string step, Exception exception);

    [LoggerMessage(EventId = 7634, Level = LogLevel.Warning, Message = "Lifecycle: termination steps done in {ElapsedMs} ms; stopping the agent")]
    private static partial void LogStopping(ILogger logger, long elapsedMs);

    [LoggerMessage(EventId = 7635, Level = LogLevel.Warning, Message = "Lifecycle: completed the termination hook {Hook} with CONTINUE")]
    private static partial void LogCompleted(ILogger logger, string hook);

    [LoggerMessage(EventId = 7636, Level = LogLevel.Information, Message = "Lifecycle: nothing to complete on {Hook}: {Reason}")]
    private static partial void LogNothingToComplete(ILogger logger, string hook, string reason);

    [LoggerMessage(EventId = 7637, Level = LogLevel.Error, Message = "Lifecycle: could not complete the termination hook {Hook}; the group continues when the hook times out")]
    private static partial void LogCompleteFailed(ILogger logger, string hook, Exception exception);

    [LoggerMessage(EventId = 7638, Level = LogLevel.Information, Message = "Lifecycle: no termination hook is known (lifecycle.termination_hook or the instance tag); the node drains and stops without completing one")]
    private static partial void LogNoHook(ILogger logger);

    [LoggerMessage(EventId = 7639, Level = LogLevel.Error, Message = "Lifecycle: the termination steps failed; stopping the agent anyway")]
    private static partial void LogStepsFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7640, Level = LogLevel.Warning, Message = "Lifecycle: draining early ({Notice}); the node stays up until it is terminated")]
    private static partial void LogDrainingEarly(ILogger logger, string notice);

    [LoggerMessage(EventId = 7641, Level = LogLevel.Information, Message = "Lifecycle: {Count} heartbeat(s) recorded on the termination hook")]
    private static partial void LogHeartbeats(ILogger logger, int count);
}
