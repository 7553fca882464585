using Microsoft.Extensions.Logging;
using NodeAgent.Dns.Failover;
using NodeAgent.Lifecycle;
using NodeAgent.Roles.Lb.Configuration;

namespace NodeAgent.Roles.Lb.Failover;

/// <summary>
/// Runs a failover round (<see cref="FailoverCoordinator.RunOnceAsync"/>) every <c>lb.failover.interval</c> (±5 %) on a
/// standby, and every <see cref="ActiveInterval"/> on the active node. A
/// failed round goes to <see cref="FailoverCoordinator.OnRoundFailed"/> (stay active while the confirmed lease runs,
/// else unknown) and is retried sooner (jittered backoff from 250 ms, never later than the interval). On a graceful
/// stop an active node releases its lease so the peer takes over at once.
/// </summary>
public sealed partial class FailoverService : AgentLoop
{
    private readonly FailoverCoordinator _coordinator;
    private readonly LbSection _lb;
    private readonly ILogger _logger;

    public FailoverService(FailoverCoordinator coordinator, LbSection lb, TimeProvider time, ILogger<FailoverService> logger)
        : base(time, logger)
    {
        _coordinator = coordinator;
        _lb = lb;
        _logger = logger;
    }

    public override string LoopName => "lb failover";

    /// <summary>
    /// How often the active node reads the name: a third of the lease (5 s at the defaults), never more often than the
    /// interval. Failover speed is the standby's business (it reads and probes every interval, and takes over after
    /// <c>fall</c> failed probes or once the lease has expired); the active only renews its lease, when half of it is
    /// left, and notices being superseded. Reading every third of the lease, the renewal comes on the second read after
    /// the last one, with 4.5–5.5 s of the lease still to run (5.5–7.5 s when reading every 2 s), and a superseded
    /// active steps down within one such period. Until it does, its belief is bounded by the lease it last confirmed,
    /// exactly as when DNS cannot be reached, and the rollout records it writes are fenced by the epoch. Each read is two
    /// TSIG-signed TCP queries: reading every 2 s was the largest share of an idle lb's CPU (docs/cost.md).
    /// </summary>
    public TimeSpan ActiveInterval => _lb.Failover.Lease / 3 > _lb.Failover.Interval ? _lb.Failover.Lease / 3 : _lb.Failover.Interval;

    protected override TimeSpan Interval => _coordinator.Current.Role == FailoverRole.Active ? ActiveInterval : _lb.Failover.Interval;

    /// <summary>Retries after a failed round never wait longer than the standby's interval.</summary>
    protected override TimeSpan RetryCeiling => _lb.Failover.Interval;

    /// <summary>The claim at startup (<see cref="ClaimSharedNameTask"/>) was the first round; the next one is an interval later.</summary>
    protected override TimeSpan InitialDelay => Interval;

    protected override double SplayFraction => 0.05;

    protected override TimeSpan RetryFloor => TimeSpan.FromMilliseconds(250);

    public override Task RunOnceAsync(CancellationToken cancellationToken) => _coordinator.RunOnceAsync(cancellationToken);

    /// <summary>The coordinator decides what a failed round means for the claim, and logs it.</summary>
    protected override void OnRoundFailed(Exception exception, TimeSpan retryIn) => _coordinator.OnRoundFailed(exception);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await _coordinator.ReleaseAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogReleaseFailed(_logger, _coordinator.Name, ex);
        }
    }

    [LoggerMessage(EventId = 5031, Level = LogLevel.Error, Message = "Failover: could not release {Name} on stop; the peer takes over when the lease expires or its probes fail")]
    private static partial void LogReleaseFailed(ILogger logger, string name, Exception exception);
}
