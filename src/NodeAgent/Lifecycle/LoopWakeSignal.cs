namespace NodeAgent.Lifecycle;

/// <summary>
/// What an <see cref="AgentLoop"/> waits on between rounds: its timer or a <see cref="Set"/>, whichever comes first.
/// A wake-up that comes while no one waits is kept (once) for the next wait.
/// <para>
/// Neither the timer nor the stopping token ends the wait with an exception. The earlier wait (a semaphore awaited with
/// a token the timer cancelled) threw and caught an <see cref="OperationCanceledException"/> through two async frames
/// on every round of every loop; on the idle lb, with a round every second, the unwinding was a visible share of its
/// CPU (docs/footprint.md).
/// </para>
/// </summary>
internal sealed class LoopWakeSignal
{
    private readonly Lock _lock = new();
    private bool _pending;
    private TaskCompletionSource<bool>? _waiter;

    /// <summary>Ends the current wait as woken, or, when no one waits, makes the next wait return at once.</summary>
    public void Set()
    {
        TaskCompletionSource<bool>? waiter;
        lock (_lock)
        {
            waiter = _waiter;
            _waiter = null;
            if (waiter is null)
            {
                _pending = true;
                return;
            }
        }

        if (!waiter.TrySetResult(true))
        {
            // The timer or the token ended that wait first: keep the wake-up for the next one.
            lock (_lock)
            {
                _pending = true;
            }
        }
    }

    /// <summary>
    /// Waits <paramref name="delay"/> (on <paramref name="time"/>'s clock) or for a <see cref="Set"/>. True when woken;
    /// false when the delay passed or <paramref name="cancellationToken"/> was cancelled (the caller checks the token).
    /// </summary>
    public async Task<bool> WaitAsync(TimeSpan delay, TimeProvider time, CancellationToken cancellationToken)
    {
        TaskCompletionSource<bool> waiter;
        lock (_lock)
        {
            if (_pending)
            {
                _pending = false;
                return true;
            }

            if (delay <= TimeSpan.Zero || cancellationToken.IsCancellationRequested)
            {
                return false;
            }

            // Continuations run on the thread pool, never inline on the timer's thread or the caller of Set.
            waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiter = waiter;
        }

        try
        {
            using var timer = time.CreateTimer(static s => ((TaskCompletionSource<bool>)s!).TrySetResult(false), waiter, delay, Timeout.InfiniteTimeSpan);
            using var registration = cancellationToken.UnsafeRegister(static s => ((TaskCompletionSource<bool>)s!).TrySetResult(false), waiter);
            return await waiter.Task.ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                if (ReferenceEquals(_waiter, waiter))
                {
                    _waiter = null;
                }
            }
        }
    }
}
