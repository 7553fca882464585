using Microsoft.Extensions.Time.Testing;
using NodeAgent.Lifecycle;
using Xunit;

namespace NodeAgent.Tests.Lifecycle;

/// <summary>The wait between loop rounds: timer, wake-up or stop, and none of them by an exception.</summary>
public sealed class LoopWakeSignalTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TheDelayPassing_EndsTheWaitAsNotWoken()
    {
        var time = new FakeTimeProvider();
        var signal = new LoopWakeSignal();
        var wait = signal.WaitAsync(TimeSpan.FromSeconds(5), time, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(wait.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(await wait.WaitAsync(Generous));
    }

    [Fact]
    public async Task ASetDuringTheWait_EndsItAsWoken_AndIsNotKeptForTheNextWait()
    {
        var time = new FakeTimeProvider();
        var signal = new LoopWakeSignal();
        var wait = signal.WaitAsync(TimeSpan.FromMinutes(5), time, CancellationToken.None);
        signal.Set();
        Assert.True(await wait.WaitAsync(Generous));

        var next = signal.WaitAsync(TimeSpan.FromMinutes(5), time, CancellationToken.None);
        Assert.False(next.IsCompleted);
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.False(await next.WaitAsync(Generous));
    }

    [Fact]
    public async Task ASetWhileNoOneWaits_IsKeptOnce_ForTheNextWait()
    {
        var time = new FakeTimeProvider();
        var signal = new LoopWakeSignal();
        signal.Set();
        signal.Set();
        var first = signal.WaitAsync(TimeSpan.FromMinutes(5), time, CancellationToken.None);
        Assert.True(first.IsCompleted);
        Assert.True(await first);

        var second = signal.WaitAsync(TimeSpan.FromMinutes(5), time, CancellationToken.None);
        Assert.False(second.IsCompleted);
        signal.Set();
        Assert.True(await second.WaitAsync(Generous));
    }

    [Fact]
    public async Task Cancellation_EndsTheWaitWithoutAnException()
    {
        var time = new FakeTimeProvider();
        var signal = new LoopWakeSignal();
        using var stop = new CancellationTokenSource();
        var wait = signal.WaitAsync(TimeSpan.FromMinutes(5), time, stop.Token);
        await stop.CancelAsync();
        Assert.False(await wait.WaitAsync(Generous));
        Assert.False(await signal.WaitAsync(TimeSpan.FromMinutes(5), time, stop.Token));
    }

    [Fact]
    public async Task AZeroDelay_ReturnsAtOnce_WokenOnlyWhenASetIsPending()
    {
        var time = new FakeTimeProvider();
        var signal = new LoopWakeSignal();
        Assert.False(await signal.WaitAsync(TimeSpan.Zero, time, CancellationToken.None));
        signal.Set();
        Assert.True(await signal.WaitAsync(TimeSpan.Zero, time, CancellationToken.None));
    }

    [Fact]
    public async Task ManySetsRacingTheTimer_NeverLoseAWakeUp()
    {
        // A Set that loses the race with the timer is kept for the next wait; every round sees either its timer or the
        // wake-up, and the last Set is never dropped.
        var signal = new LoopWakeSignal();
        for (var i = 0; i < 200; i++)
        {
            var wait = signal.WaitAsync(TimeSpan.FromMilliseconds(1), TimeProvider.System, CancellationToken.None);
            signal.Set();
            var woken = await wait.WaitAsync(Generous);
            if (!woken)
            {
                Assert.True(await signal.WaitAsync(TimeSpan.FromMinutes(1), TimeProvider.System, CancellationToken.None).WaitAsync(Generous));
            }
        }
    }
}
