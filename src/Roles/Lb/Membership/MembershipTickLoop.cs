using Microsoft.Extensions.Logging;
using NodeAgent.Lifecycle;

namespace NodeAgent.Roles.Lb.Membership;

/// <summary>
/// The HAProxy side of membership: a look at HAProxy and a reconcile against the last listing
/// (<see cref="MembershipReconciler.TickAsync"/>), every second while anything is moving (a server joining, leaving,
/// held, down or draining, a drain to answer, HAProxy not answering), every <see cref="SettledInterval"/> once
/// everything is settled (<see cref="MembershipReconciler.Settled"/>); a reconcile that finds something moving again
/// (a nudged sync adding or removing a server) wakes it at once. Local only, so there is no splay. On stop, the leaves
/// in progress are cut short and waited for.
/// <para>
/// Why two periods: the second-by-second look is what the web scale-in drain and the flap damper are timed by, and it
/// was the largest share of an idle lb's CPU (docs/cost.md, docs/footprint.md). Settled, the look only catches what
/// changes behind the agent's back — a health check taking a server down, a restart of HAProxy — and HAProxy acts on
/// those itself; the agent's view of them (the registry's balancer view, the flap hold-down's start) is at most
/// <see cref="SettledInterval"/> late.
/// </para>
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
        membership.Unsettled += Wake;
    }

    /// <summary>The period while something is moving.</summary>
    public static readonly TimeSpan MovingInterval = TimeSpan.FromSeconds(1);

    /// <summary>The period once everything is settled.</summary>
    public static readonly TimeSpan SettledInterval = TimeSpan.FromSeconds(5);

    public override string LoopName => "lb membership tick";

    protected override TimeSpan Interval => _membership.Settled ? SettledInterval : MovingInterval;

    /// <summary>Retries of a failing tick stay at the moving period (HAProxy not answering is not settled).</summary>
    protected override TimeSpan RetryCeiling => MovingInterval;

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
