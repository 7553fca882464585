using Microsoft.Extensions.Logging;
using NodeAgent.Lifecycle;
using NodeAgent.Roles.Lb.Configuration;

namespace NodeAgent.Roles.Lb.Rollout;

/// <summary>
/// Runs the advancer (<see cref="RolloutAdvancer"/>) every <c>lb.rollout.interval</c> while a rollout is in progress,
/// every <c>lb.rollout.idle_interval</c> otherwise, and at once on a <c>rollout</c> nudge.
/// </summary>
public sealed class RolloutLoop(RolloutAdvancer advancer, LbSection lb, TimeProvider time, ILogger<RolloutLoop> logger) : AgentLoop(time, logger)
{
    public override string LoopName => "rollouts";

    protected override TimeSpan Interval => advancer.Busy ? lb.Rollout.Interval : lb.Rollout.IdleInterval;

    protected override TimeSpan InitialDelay => TimeSpan.FromSeconds(1);

    protected override double SplayFraction => 0.05;

    public override Task RunOnceAsync(CancellationToken cancellationToken) => advancer.RunOnceAsync(cancellationToken);
}
