using Microsoft.Extensions.Logging;
using NodeAgent.AutoScaling;

namespace NodeAgent.Instance;

/// <summary>
/// Keeps a lifecycle action alive while the node works on it (a long drain, a slow launch): records a heartbeat every
/// <c>period</c> until disposed. Stops by itself when Auto Scaling says no action is waiting. A failed heartbeat is
/// logged and tried again at the next period (the hook's timeout is three periods).
/// </summary>
public sealed partial class LifecycleHeartbeat : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _sent;

    private LifecycleHeartbeat(ILifecycleActions actions, LifecycleHookTarget hook, string instanceId, TimeSpan period, TimeProvider time, ILogger logger)
    {
        _loop = RunAsync(actions, hook, instanceId, period, time, logger, _stop.Token);
    }

    /// <summary>Heartbeats recorded so far.</summary>
    public int Sent => Volatile.Read(ref _sent);

    public static LifecycleHeartbeat Start(ILifecycleActions actions, LifecycleHookTarget hook, string instanceId, TimeSpan period, TimeProvider time, ILogger logger)
        => new(actions, hook, instanceId, period, time, logger);

    private async Task RunAsync(ILifecycleActions actions, LifecycleHookTarget hook, string instanceId, TimeSpan period, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        await Task.Yield();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(period, time, cancellationToken);
                await actions.RecordHeartbeatAsync(hook, instanceId, cancellationToken);
                Interlocked.Increment(ref _sent);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (LifecycleActionNotFoundException ex)
            {
                LogNoAction(logger, hook.ToString(), ex.Message);
                return;
            }
            catch (Exception ex)
            {
                LogFailed(logger, hook.ToString(), ex);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    [LoggerMessage(EventId = 7620, Level = LogLevel.Information, Message = "Lifecycle: no action waits on {Hook} any more; heartbeats stop ({Reason})")]
    private static partial void LogNoAction(ILogger logger, string hook, string reason);

    [LoggerMessage(EventId = 7621, Level = LogLevel.Warning, Message = "Lifecycle: heartbeat on {Hook} failed; trying again at the next period")]
    private static partial void LogFailed(ILogger logger, string hook, Exception exception);
}
