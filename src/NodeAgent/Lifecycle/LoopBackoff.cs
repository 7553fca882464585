namespace NodeAgent.Lifecycle;

/// <summary>
/// Delay between failed rounds of a background loop: exponential with full jitter, capped, and reset by a success,
/// so a fleet that failed together does not retry in lockstep.
/// </summary>
public sealed class LoopBackoff(TimeSpan initial, TimeSpan max)
{
    private int _failures;

    public int Failures => _failures;

    public void Reset() => _failures = 0;

    /// <summary>Records a failure and returns how long to wait before the next round.</summary>
    public TimeSpan NextDelay()
    {
        _failures = Math.Min(_failures + 1, 30);
        var ceiling = Math.Min(max.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, _failures - 1));
        return TimeSpan.FromMilliseconds(ceiling / 2 + (Random.Shared.NextDouble() * ceiling / 2));
    }

    /// <summary>Spreads a periodic interval by ±<paramref name="fraction"/> so nodes do not act in lockstep.</summary>
    public static TimeSpan Splay(TimeSpan interval, double fraction = 0.1)
        => TimeSpan.FromMilliseconds(interval.TotalMilliseconds * (1 + ((Random.Shared.NextDouble() * 2) - 1) * fraction));
}
