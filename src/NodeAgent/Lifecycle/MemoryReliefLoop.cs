using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace NodeAgent.Lifecycle;

/// <summary>
/// Gives memory back after a burst of work. The garbage collector collects when an allocation budget runs out, and an
/// idle agent allocates little: after boot, a deploy or a backup the heap would stay at its high-water mark for hours
/// ("heap settling", docs/footprint.md). Every <see cref="CheckInterval"/> this loop reads the process's allocation
/// counter and the GC's committed memory, and <see cref="MemoryReliefPolicy"/> decides (a burst, then a quiet round;
/// and two follow-ups after a burst, for what it still held at first); a relief is one full, compacting, aggressive
/// collection (which also decommits the freed regions) and glibc's <c>malloc_trim</c> (native memory of libgit2,
/// OpenSSL, libzstd). An idle round reads two counters and costs microseconds; a relief costs a few milliseconds, three
/// times per burst.
/// </summary>
public sealed partial class MemoryReliefLoop(TimeProvider time, ILogger<MemoryReliefLoop> logger) : AgentLoop(time, logger)
{
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(10);

    private readonly MemoryReliefPolicy _policy = new();
    private long _atLastRound = GC.GetTotalAllocatedBytes();

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
        var reason = _policy.Decide(sinceRound, GC.GetGCMemoryInfo().TotalCommittedBytes, Time.GetUtcNow());
        if (reason != ReliefReason.None)
        {
            Relieve(reason);
        }

        return Task.CompletedTask;
    }

    private void Relieve(ReliefReason reason)
    {
        var before = GC.GetGCMemoryInfo().TotalCommittedBytes;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        if (OperatingSystem.IsLinux())
        {
            _ = MallocTrim(0);
        }

        _atLastRound = GC.GetTotalAllocatedBytes();
        var after = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        _policy.Relieved(reason, after.TotalCommittedBytes, Time.GetUtcNow());
        Reliefs++;
        LogRelieved(logger, reason, before / 1024, after.TotalCommittedBytes / 1024, after.PromotedBytes / 1024);
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);

    [LoggerMessage(EventId = 1710, Level = LogLevel.Debug, Message = "Memory relief ({Reason}): GC committed {BeforeKb} KB -> {AfterKb} KB, {LiveKb} KB live")]
    private static partial void LogRelieved(ILogger logger, ReliefReason reason, long beforeKb, long afterKb, long liveKb);
}
