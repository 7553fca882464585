using Microsoft.Extensions.Logging;
using NodeAgent.Dns.Failover;
using NodeAgent.Lifecycle;
using NodeAgent.Roles.Lb.Configuration;

namespace NodeAgent.Roles.Lb.Failover;

/// <summary>
/// Runs a failover round (<see cref="FailoverCoordinator.RunOnceAsync"/>) every <c>lb.failover.interval</c> (±5 %). A
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

    protected override TimeSpan Interval => _lb.Failover.Interval;

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
