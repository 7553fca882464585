namespace NodeAgent.Lifecycle;

/// <summary>
/// When <see cref="MemoryReliefLoop"/> gives memory back: the decision alone, from the counters the loop reads each
/// round, so it can be tested without a garbage collector.
/// <list type="bullet">
/// <item>A <b>burst</b>: more than <see cref="BurstBytes"/> allocated within the last <see cref="BurstRounds"/> rounds,
/// or the GC's committed memory grown by more than <see cref="GrowthBytes"/> since the last relief. The idle lb's
/// steady trickle of ticks is neither (the ordinary gen0 collections keep it in check; relieving it every minute or two
/// cost the idle lb a full collection and the page faults that refill the decommitted heap).</item>
/// <item>A relief waits for a <b>quiet</b> round (less than <see cref="QuietBytes"/> allocated in it).</item>
/// <item><b>Follow-ups</b>: a burst's relief is repeated <see cref="FollowUps"/> after it (at the first quiet round from
/// then). What a burst leaves behind is not all garbage at its first quiet round: 9 s after a base backup 4.7 MB of its
/// large buffers were still referenced (by the upload's last request and the compression workers' finishing tasks),
/// and gone 10 s later; a live heap of 1.4 MB remained after a minute. An idle agent then does not collect again for a
/// long time, so without a follow-up that garbage stayed in the heap (bench/footprint, db: 8.4 MB of GC heap after
/// five idle minutes). Follow-ups are not bursts: they never start more follow-ups.</item>
/// </list>
/// </summary>
public sealed class MemoryReliefPolicy
{
    public const long BurstBytes = 4L * 1024 * 1024;
    public const long QuietBytes = 1024L * 1024;

    /// <summary>Growth of the GC's committed memory since the last relief that calls for one (more than a gen0 budget's
    /// worth of the idle lb's trickle ever commits).</summary>
    public const long GrowthBytes = 8L * 1024 * 1024;

    /// <summary>Rounds over which a burst is counted (one minute at the loop's 10 s).</summary>
    public const int BurstRounds = 6;

    /// <summary>When a burst's relief is repeated, counted from it.</summary>
    public static readonly IReadOnlyList<TimeSpan> FollowUps = [TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(90)];

    private readonly long[] _recent = new long[BurstRounds];
    private int _round;
    private long _committedAfterRelief;
    private DateTimeOffset _burstReliefAt;
    private int _followUpsDone = FollowUps.Count;

    /// <summary>Decides one round, given what was allocated since the previous round, the GC's committed memory and the
    /// time. Call <see cref="Relieved"/> after acting on anything but <see cref="ReliefReason.None"/>.</summary>
    public ReliefReason Decide(long allocatedSinceRound, long committedBytes, DateTimeOffset now)
    {
        _recent[_round++ % BurstRounds] = allocatedSinceRound;
        if (allocatedSinceRound >= QuietBytes)
        {
            return ReliefReason.None;
        }

        if (_recent.Sum() > BurstBytes || committedBytes > _committedAfterRelief + GrowthBytes)
        {
            return ReliefReason.Burst;
        }

        return _followUpsDone < FollowUps.Count && now - _burstReliefAt >= FollowUps[_followUpsDone]
            ? ReliefReason.FollowUp
            : ReliefReason.None;
    }

    /// <summary>Records a relief: the burst window starts over, and a burst's relief schedules its follow-ups.</summary>
    public void Relieved(ReliefReason reason, long committedAfter, DateTimeOffset now)
    {
        Array.Clear(_recent);
        _committedAfterRelief = committedAfter;
        if (reason == ReliefReason.Burst)
        {
            _burstReliefAt = now;
            _followUpsDone = 0;
        }
        else if (reason == ReliefReason.FollowUp)
        {
            _followUpsDone++;
        }
    }
}

/// <summary>Why a round of <see cref="MemoryReliefLoop"/> gives memory back.</summary>
public enum ReliefReason
{
    None,
    Burst,
    FollowUp,
}
