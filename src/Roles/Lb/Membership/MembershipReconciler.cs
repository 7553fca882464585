using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Registry;
using NodeAgent.Roles.Lb.Configuration;
using NodeAgent.Roles.Lb.Haproxy;
using NodeAgent.Roles.Web;

namespace NodeAgent.Roles.Lb.Membership;

/// <summary>
/// Keeps HAProxy's servers in step with the registry. Its two rounds, each run by its own loop:
/// <list type="bullet">
/// <item><see cref="SyncAsync"/> (<see cref="MembershipSyncLoop"/>, every <c>lb.sync_interval</c> and at once on a
/// <c>membership</c> nudge): lists the web nodes, recomputes who should serve which app
/// (<see cref="DesiredMembership"/>), and reconciles;</item>
/// <item><see cref="TickAsync"/> (<see cref="MembershipTickLoop"/>, every second, local only): looks at HAProxy
/// (<see cref="HaproxyObserver"/>) and reconciles against the last listing.</item>
/// </list>
/// A reconcile plans against what HAProxy really runs (<see cref="MembershipPlanner"/>, pure), applies the plan
/// (<see cref="IMembershipApplier"/>), starts the leaves (<see cref="ServerLeaves"/>) and answers draining nodes
/// (<see cref="DrainAcknowledger"/>) — all inside the <see cref="MembershipGate"/>.
/// </summary>
public sealed class MembershipReconciler(
    AgentConfig config,
    LbSection lb,
    INodeRegistry registry,
    HaproxyConfigFiles files,
    HaproxyObserver observer,
    IMembershipApplier applier,
    ServerLeaves leaves,
    HeldServers held,
    FlapDamper damper,
    WebNodeRecords nodes,
    ExclusionReporter exclusions,
    DrainAcknowledger acknowledger,
    MembershipGate gate,
    TimeProvider time,
    ILogger<MembershipReconciler> logger)
{
    /// <summary>The desired servers from the last listing; null until the first one.</summary>
    private DesiredMembership? _desired;

    /// <summary>
    /// True after a reconcile that found nothing moving: the plan was empty, no leave runs, no server is held, no
    /// draining node waits for its answer, and every server of ours is up and ready. The tick slows down while this
    /// holds (<see cref="MembershipTickLoop"/>); it is false until the first reconcile and while HAProxy does not answer.
    /// </summary>
    public bool Settled { get; private set; }

    /// <summary>Raised when a reconcile finds something moving after a settled one (the tick speeds up at once).</summary>
    public event Action? Unsettled;

    /// <summary>Servers whose leave (drain → maint → delete) is still running.</summary>
    public IReadOnlySet<ServerKey> Leaving => leaves.InProgress();

    /// <summary>Waits for every leave in progress (tests).</summary>
    public Task LeavesSettledAsync() => leaves.SettledAsync();

    /// <summary>One registry listing of the web nodes, then a reconcile against it.</summary>
    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        var listing = await registry.ListAsync(config.Cluster, WebRole.RoleName, cancellationToken);
        var desired = DesiredMembership.From(listing, lb);
        var now = time.GetUtcNow();
        await gate.RunAsync(async () =>
        {
            foreach (var nodeId in nodes.Update(listing, leaves.IsLeaving))
            {
                foreach (var backend in lb.Backends)
                {
                    damper.RecordDown(new ServerKey(backend.App, nodeId), now);
                }
            }

            exclusions.Report(desired.Excluded);
            _desired = desired;
            await ReconcileAsync(await observer.RunningAsync(cancellationToken), desired, cancellationToken);
        }, cancellationToken);
    }

    /// <summary>
    /// The local second-by-second round: a look at HAProxy (state changes, reloads and restarts, the server-state
    /// file, the balancer view), then a reconcile against the last listing.
    /// </summary>
    public Task TickAsync(CancellationToken cancellationToken)
        => gate.RunAsync(async () =>
        {
            var running = await observer.ObserveAsync(cancellationToken);
            if (running is not null && _desired is { } desired)
            {
                await ReconcileAsync(running, desired, cancellationToken);
            }
            else
            {
                SetSettled(false);
            }
        }, cancellationToken);

    /// <summary>Plans against HAProxy's running servers and applies the plan. The caller holds the gate.</summary>
    private async Task ReconcileAsync(IReadOnlyList<ServerState> running, DesiredMembership desired, CancellationToken cancellationToken)
    {
        var plan = MembershipPlanner.Plan(desired.Servers, running, files.Membership, leaves.InProgress(), held.Keys, damper, time.GetUtcNow());
        try
        {
            if (!plan.IsEmpty)
            {
                MembershipLog.Plan(logger, plan.ToString());
                await applier.ApplyAsync(plan, running, cancellationToken);
                foreach (var leaver in plan.Leaves)
                {
                    leaves.Start(leaver);
                }
            }
            else
            {
                await applier.PersistIfDriftedAsync(running, cancellationToken);
            }

            await acknowledger.AcknowledgeAsync(running, leaves.InProgress(), cancellationToken);
        }
        catch
        {
            SetSettled(false);
            throw;
        }

        SetSettled(plan.IsEmpty && leaves.InProgress().Count == 0 && held.Keys.Count == 0 && nodes.AwaitingAnswer().Count == 0
                   && running.All(s => s.Key is null || s.IsSteady));
    }

    private void SetSettled(bool settled)
    {
        var was = Settled;
        Settled = settled;
        if (was && !settled)
        {
            Unsettled?.Invoke();
        }
    }
}
