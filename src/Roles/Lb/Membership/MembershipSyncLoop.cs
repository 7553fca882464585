using Microsoft.Extensions.Logging;
using NodeAgent.Lifecycle;
using NodeAgent.Roles.Lb.Configuration;

namespace NodeAgent.Roles.Lb.Membership;

/// <summary>
/// The registry side of membership: a listing and reconcile (<see cref="MembershipReconciler.SyncAsync"/>) at start,
/// every <c>lb.sync_interval</c>, and at once when a <c>membership</c> nudge wakes it (<see cref="AgentLoop.Wake"/>).
/// A failed listing is retried with backoff up to the interval; the ticks go on meanwhile.
/// </summary>
public sealed class MembershipSyncLoop : AgentLoop
{
    private readonly MembershipReconciler _membership;
    private readonly LbSection _lb;
    private readonly ILogger _logger;

    public MembershipSyncLoop(MembershipReconciler membership, LbSection lb, TimeProvider time, ILogger<MembershipSyncLoop> logger)
        : base(time, logger)
    {
        _membership = membership;
        _lb = lb;
        _logger = logger;
    }

    public override string LoopName => "lb membership sync";

    protected override TimeSpan Interval => _lb.SyncInterval;

    protected override TimeSpan InitialDelay => TimeSpan.Zero;

    public override Task RunOnceAsync(CancellationToken cancellationToken) => _membership.SyncAsync(cancellationToken);

    /// <summary>Every failed listing is logged (event 4137) with its retry delay.</summary>
    protected override void OnRoundFailed(Exception exception, TimeSpan retryIn)
        => MembershipLog.SyncFailed(_logger, retryIn.TotalSeconds, exception);
}
