using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace NodeAgent.Lifecycle;

/// <summary>
/// Gives memory back after a burst of work. The garbage collector collects when an allocation budget runs out, and an
/// idle agent allocates little: after boot, a deploy or a backup the heap would stay at its high-water mark for hours
/// ("heap settling", docs/footprint.md). Every <see cref="CheckInterval"/> this loop compares the process's allocation
/// counter with the last round: when more than <see cref="BurstBytes"/> were allocated within the last
/// <see cref="BurstRounds"/> rounds, or the GC's committed memory grew by more than <see cref="GrowthBytes"/> since
/// the last relief (a burst or a heap that grew, not the steady trickle of an idle lb's ticks, which the ordinary gen0
/// collections keep in check: relieving that every minute or two cost the idle lb a full collection and the page
/// faults that refill the decommitted heap), and the agent is quiet again (less than <see cref="QuietBytes"/> in the
/// last interval), it runs one full, compacting,
/// aggressive collection (which also decommits the freed regions) and glibc's <c>malloc_trim</c> (native memory of
/// libgit2, OpenSSL). An idle round reads two counters and costs microseconds; a relief costs a few milliseconds, once
/// per burst.
/// </summary>
public sealed partial class MemoryReliefLoop(TimeProvider time, ILogger<MemoryReliefLoop> logger) : AgentLoop(time, logger)
{
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(10);
    public const long BurstBytes = 4L * 1024 * 1024;
    public const long QuietBytes = 1024L * 1024;

    /// <summary>Growth of the GC's committed memory since the last relief that calls for one (more than a gen0 budget's
    /// worth of the idle lb's trickle ever commits).</summary>
    public const long GrowthBytes = 8L * 1024 * 1024;

    /// <summary>Rounds (one minute) over which a burst is counted.</summary>
    public const int BurstRounds = 6;

    private readonly long[] _recent = new long[BurstRounds];
    private int _round;
    private long _atLastRound = GC.GetTotalAllocatedBytes();
    private long _committedAfterRelief;

    public override string LoopName => "memory relief";

    protected override TimeSpan Interval => CheckInterval;

    protected override double SplayFraction => 0;

    /// <summary>Reliefs run so far.</summary>
    public int Reliefs { get; private set; }

    public override Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = GC.GetTotalAllocatedBytes();
        var sinceRound = now - _atLastRound;
        _atLastRound = now;
        _recent[_round++ % BurstRounds] = sinceRound;
        if (sinceRound < QuietBytes
            && (_recent.Sum() > BurstBytes || GC.GetGCMemoryInfo().TotalCommittedBytes > _committedAfterRelief + GrowthBytes))
        {
            Relieve();
        }

        return Task.CompletedTask;
    }

    private void Relieve()
    {
        var before = GC.GetGCMemoryInfo().TotalCommittedBytes;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        if (OperatingSystem.IsLinux())
        {
            _ = MallocTrim(0);
        }

        _atLastRound = GC.GetTotalAllocatedBytes();
        Array.Clear(_recent);
        _committedAfterRelief = GC.GetGCMemoryInfo().TotalCommittedBytes;
        Reliefs++;
        LogRelieved(logger, before / 1024 / 1024, _committedAfterRelief / 1024 / 1024);
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);

    [LoggerMessage(EventId = 1710, Level = LogLevel.Debug, Message = "Memory relief after a burst: GC committed {BeforeMb} MB -> {AfterMb} MB")]
    private static partial void LogRelieved(ILogger logger, long beforeMb, long afterMb);
}
