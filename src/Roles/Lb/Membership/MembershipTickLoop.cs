using Microsoft.Extensions.Logging;
using NodeAgent.Lifecycle;

namespace NodeAgent.Roles.Lb.Membership;

/// <summary>
/// The HAProxy side of membership: every second, a look at HAProxy and a reconcile against the last listing
/// (<see cref="MembershipReconciler.TickAsync"/>). Local only, so there is no splay. On stop, the leaves in progress
/// are cut short and waited for.
/// </summary>
public sealed class MembershipTickLoop : AgentLoop
{
    private readonly MembershipReconciler _membership;
    private readonly ServerLeaves _leaves;
    private readonly ILogger _logger;
    private string? _lastError;

    public MembershipTickLoop(MembershipReconciler membership, ServerLeaves leaves, TimeProvider time, ILogger<MembershipTickLoop> logger)
        : base(time, logger)
    {
        _membership = membership;
        _leaves = leaves;
        _logger = logger;
    }

    public override string LoopName => "lb membership tick";

    protected override TimeSpan Interval => TimeSpan.FromSeconds(1);

    protected override TimeSpan InitialDelay => TimeSpan.Zero;

    protected override double SplayFraction => 0;

    public override Task RunOnceAsync(CancellationToken cancellationToken) => _membership.TickAsync(cancellationToken);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await _leaves.StopAsync(cancellationToken);
    }

    /// <summary>A failing tick is logged (event 4146) when its error differs from the last one, not every second.</summary>
    protected override void OnRoundFailed(Exception exception, TimeSpan retryIn)
    {
        if (exception.Message != _lastError)
        {
            _lastError = exception.Message;
            MembershipLog.TickFailed(_logger, exception);
        }
    }

    protected override void OnRecovered(int failures)
    {
        _lastError = null;
        base.OnRecovered(failures);
    }
}
