namespace NodeAgent.Roles.Lb.Membership;

/// <summary>
/// The one lock of membership work. Whatever reads HAProxy's servers to act on them, changes them, or changes the
/// state plans are made from (desired servers, held servers, flap damping, node records) runs inside it, so a sync,
/// a tick and the steps of running leaves never interleave. Leaves take it step by step, so a drain that waits for
/// sessions does not hold up ticks.
/// </summary>
public sealed class MembershipGate : IDisposable
{
    private readonly SemaphoreSlim _semaphore = new(1, 1);

    public async Task RunAsync(Func<Task> action, CancellationToken cancellationToken)
    {
        await _semaphore.WaitAsync(cancellationToken);
        try
        {
            await action();
        }
        finally
        {
            _semaphore.Release();
        }
    }

    public async Task<T> RunAsync<T>(Func<Task<T>> action, CancellationToken cancellationToken)
    {
        await _semaphore.WaitAsync(cancellationToken);
        try
        {
            return await action();
        }
        finally
        {
            _semaphore.Release();
        }
    }

    public void Dispose() => _semaphore.Dispose();
}
