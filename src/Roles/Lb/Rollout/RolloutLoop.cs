using Microsoft.Extensions.Logging;
using NodeAgent.Dns.Failover;
using NodeAgent.Lifecycle;
using NodeAgent.Roles.Lb.Configuration;

namespace NodeAgent.Roles.Lb.Rollout;

/// <summary>
/// Runs the advancer (<see cref="RolloutAdvancer"/>) every <c>lb.rollout.interval</c> while a rollout is in progress,
/// every <c>lb.rollout.idle_interval</c> otherwise, and at once on a <c>rollout</c> nudge or when this lb becomes the
/// active one of its pair (a standby taking over mid-rollout continues it without waiting for an idle round).
/// </summary>
public sealed class RolloutLoop : AgentLoop
{
    private readonly RolloutAdvancer _advancer;
    private readonly LbSection _lb;
    private readonly FailoverState? _failover;

    public RolloutLoop(RolloutAdvancer advancer, LbSection lb, TimeProvider time, ILogger<RolloutLoop> logger, FailoverState? failover = null)
        : base(time, logger)
    {
        _advancer = advancer;
        _lb = lb;
        _failover = failover;
        if (_failover is not null)
        {
            _failover.Changed += OnFailoverChanged;
        }
    }

    public override string LoopName => "rollouts";

    protected override TimeSpan Interval => _advancer.Busy ? _lb.Rollout.Interval : _lb.Rollout.IdleInterval;

    protected override TimeSpan InitialDelay => TimeSpan.FromSeconds(1);

    protected override double SplayFraction => 0.05;

    public override Task RunOnceAsync(CancellationToken cancellationToken) => _advancer.RunOnceAsync(cancellationToken);

    public override void Dispose()
    {
        if (_failover is not null)
        {
            _failover.Changed -= OnFailoverChanged;
        }

        base.Dispose();
    }

    private void OnFailoverChanged(FailoverSnapshot snapshot)
    {
        if (snapshot.Role == FailoverRole.Active)
        {
            Wake();
        }
    }
}
