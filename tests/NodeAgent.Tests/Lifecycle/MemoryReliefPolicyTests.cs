using NodeAgent.Lifecycle;
using Xunit;

namespace NodeAgent.Tests.Lifecycle;

/// <summary>When the memory relief loop collects: after a burst once quiet, twice more after that, and never on a
/// steady trickle.</summary>
public sealed class MemoryReliefPolicyTests
{
    private const long Mb = 1024 * 1024;
    private static readonly TimeSpan Round = MemoryReliefLoop.CheckInterval;
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Runs rounds of the given allocations (committed memory fixed), relieving whenever the policy says so;
    /// returns the reasons by round.</summary>
    private static List<ReliefReason> Run(MemoryReliefPolicy policy, IEnumerable<long> allocatedPerRound, long committed = 6 * Mb, int startRound = 0)
    {
        var reasons = new List<ReliefReason>();
        var round = startRound;
        foreach (var allocated in allocatedPerRound)
        {
            var now = Start + (Round * round++);
            var reason = policy.Decide(allocated, committed, now);
            if (reason != ReliefReason.None)
            {
                policy.Relieved(reason, committed, now);
            }

            reasons.Add(reason);
        }

        return reasons;
    }

    [Fact]
    public void ASteadyTrickle_NeverRelieves()
    {
        // 600 KB per 10 s is the idle lb's order of magnitude: 3.6 MB a minute, under the burst threshold.
        var reasons = Run(new MemoryReliefPolicy(), Enumerable.Repeat(600L * 1024, 360));
        Assert.All(reasons, r => Assert.Equal(ReliefReason.None, r));
    }

    [Fact]
    public void ABurst_IsRelievedAtTheFirstQuietRound_NotWhileItRuns()
    {
        var reasons = Run(new MemoryReliefPolicy(), [30 * Mb, 20 * Mb, 100 * 1024]);
        Assert.Equal([ReliefReason.None, ReliefReason.None, ReliefReason.Burst], reasons);
    }

    [Fact]
    public void ABurstsRelief_IsFollowedUpTwice_At30sAnd90s_ThenNothingMore()
    {
        var quiet = Enumerable.Repeat(100L * 1024, 60).ToList();
        quiet[0] = 40 * Mb;
        var reasons = Run(new MemoryReliefPolicy(), quiet);
        var reliefs = reasons.Select((r, i) => (r, i)).Where(x => x.r != ReliefReason.None).ToList();
        Assert.Equal([(ReliefReason.Burst, 1), (ReliefReason.FollowUp, 4), (ReliefReason.FollowUp, 10)], reliefs);
    }

    [Fact]
    public void AFollowUpDueInABusyRound_WaitsForTheNextQuietOne()
    {
        // burst, relief at round 1; round 4 (follow-up due) is busy but small: 2 MB, not a burst on its own.
        var reasons = Run(new MemoryReliefPolicy(), [40 * Mb, 0, 0, 0, 2 * Mb, 0]);
        Assert.Equal([ReliefReason.None, ReliefReason.Burst, ReliefReason.None, ReliefReason.None, ReliefReason.None, ReliefReason.FollowUp], reasons);
    }

    [Fact]
    public void ANewBurstDuringTheFollowUps_StartsThemOver()
    {
        var reasons = Run(new MemoryReliefPolicy(), [40 * Mb, 0, 0, 40 * Mb, 0, 0, 0, 0, 0]);
        // burst relief at 1, a second burst at 3 relieved at 4; its first follow-up 30 s later (round 7), not at round 4.
        Assert.Equal(
            [ReliefReason.None, ReliefReason.Burst, ReliefReason.None, ReliefReason.None, ReliefReason.Burst, ReliefReason.None, ReliefReason.None, ReliefReason.FollowUp, ReliefReason.None],
            reasons);
    }

    [Fact]
    public void CommittedMemoryGrowingBeyondTheThreshold_IsABurst_AndSmallGrowthIsNot()
    {
        var policy = new MemoryReliefPolicy();
        Assert.Equal(ReliefReason.Burst, policy.Decide(0, 9 * Mb, Start));
        policy.Relieved(ReliefReason.Burst, 5 * Mb, Start);
        Assert.Equal(ReliefReason.None, policy.Decide(0, 12 * Mb, Start + Round));
        Assert.Equal(ReliefReason.Burst, policy.Decide(0, 14 * Mb, Start + (2 * Round)));
    }

    [Fact]
    public void NoFollowUps_BeforeAnyBurst()
    {
        var reasons = Run(new MemoryReliefPolicy(), Enumerable.Repeat(0L, 30), committed: 2 * Mb);
        Assert.All(reasons, r => Assert.Equal(ReliefReason.None, r));
    }
}
