using NodeAgent.Dns.Failover;
using NodeAgent.Lifecycle;
using NodeAgent.Roles.Db.Configuration;
using Microsoft.Extensions.Logging;

namespace NodeAgent.Roles.Db.Replication;

/// <summary>
/// Runs a round of the writers' name claim (<see cref="FailoverCoordinator.RunOnceAsync"/>: claim, renew, probe the
/// primary, take over through <see cref="DbClaimGate"/>) every <c>db.replication.interval</c> (±5 %). A failed round goes
/// to <see cref="FailoverCoordinator.OnRoundFailed"/> and is retried sooner. The name is not released on a graceful stop:
/// the database keeps running without its agent, and a replica takes over only once that server stops answering.
/// </summary>
public sealed class DbNameClaimService(FailoverCoordinator coordinator, DbSection db, TimeProvider time, ILogger<DbNameClaimService> logger)
    : AgentLoop(time, logger)
{
    public override string LoopName => "db name claim";

    protected override TimeSpan Interval => db.Replication.Interval;

    /// <summary>The claim at startup (<see cref="ClaimDbNameTask"/>) was the first round.</summary>
    protected override TimeSpan InitialDelay => Interval;

    protected override double SplayFraction => 0.05;

    protected override TimeSpan RetryFloor => TimeSpan.FromMilliseconds(250);

    public override Task RunOnceAsync(CancellationToken cancellationToken) => coordinator.RunOnceAsync(cancellationToken);

    protected override void OnRoundFailed(Exception exception, TimeSpan retryIn) => coordinator.OnRoundFailed(exception);
}
