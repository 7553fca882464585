using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Messaging;
using NodeAgent.Notifications;
using NodeAgent.Registry;
using NodeAgent.Roles.Lb.Configuration;
using NodeAgent.Roles.Lb.Haproxy;
using NodeAgent.Roles.Web;
using NodeAgent.Roles.Web.Deploy;
using NodeAgent.Roles.Web.Rollout;

namespace NodeAgent.Roles.Lb.Rollout;

/// <summary>
/// The active lb's side of rollouts. Each round, for every backend app whose desired state carries a plan and whose
/// rollout is not over: read the progress, the operator's control, the registry, the nodes' status records and this
/// lb's HAProxy (server states, <c>show stat</c> counters), take one step (<see cref="RolloutStepper"/>), write the
/// progress under this lb's epoch (re-checked just before the write), announce new events and nudge the nodes that
/// must act. The rollout lives in S3: a publisher that exits, or an lb that dies, leaves it to whoever is active
/// next, which continues from the record (a baking batch starts its bake again with the new lb's counters).
/// </summary>
public sealed partial class RolloutAdvancer(
    LbSection lb,
    NodeIdentity identity,
    DesiredStateStore desired,
    RolloutStore rollouts,
    DeploymentStatusStore statuses,
    INodeRegistry registry,
    IHaproxyRuntime runtime,
    MessagePublisher publisher,
    AdvancerElection election,
    INotifier notifier,
    TimeProvider time,
    ILogger<RolloutAdvancer> logger)
{
    private static readonly TimeSpan NudgeEvery = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MeasurementWriteEvery = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ReannounceWithin = TimeSpan.FromMinutes(30);
    private readonly Dictionary<string, AppRollout> _apps = new(StringComparer.Ordinal);

    /// <summary>True while a rollout this lb advances is in progress (the loop then runs at the fast interval).</summary>
    public bool Busy { get; private set; }

    private sealed class AppRollout
    {
        public (long Sequence, int Batch, long Epoch)? BaselineKey { get; set; }

        public Dictionary<string, ServerStats> Baseline { get; set; } = new(StringComparer.Ordinal);

        public DateTimeOffset LastWrite { get; set; }

        public HashSet<string> Announced { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, DateTimeOffset> LastNudge { get; } = new(StringComparer.Ordinal);

        public string? LastRefusal { get; set; }

        public string? LastControlRefusal { get; set; }
    }

    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var epoch = await election.EpochAsync(cancellationToken);
        if (epoch is null)
        {
            Busy = false;
            return;
        }

        var busy = false;
        foreach (var backend in lb.Backends)
        {
            busy |= await StepAppAsync(backend.App, epoch.Value, cancellationToken);
        }

        Busy = busy;
    }

    /// <summary>One step of the app's rollout; true while it is in progress.</summary>
    private async Task<bool> StepAppAsync(string app, long epoch, CancellationToken cancellationToken)
    {
        var cluster = identity.Cluster;
        var read = await desired.ReadAsync(cluster, app, cancellationToken);
        if (read.Desired is not { Rollout: { } plan } current)
        {
            return false;
        }

        var state = _apps.TryGetValue(app, out var known) ? known : _apps[app] = new AppRollout();
        var digest = RolloutProgress.PlanDigest(read.Content!);
        var got = await rollouts.ReadProgressAsync(cluster, app, cancellationToken);
        var progress = got.Value;
        var refusal = got.Problem ?? (progress is not null && progress.Sequence == current.Sequence && progress.Plan == digest ? progress.Check(cluster, app, current.Sequence, digest, plan) : null);
        if (refusal is not null)
        {
            if (state.LastRefusal != refusal)
            {
                state.LastRefusal = refusal;
                LogProgressRefused(logger, app, current.Sequence, refusal);
            }

            progress = null;
        }

        if (progress is not null && progress.Sequence == current.Sequence && progress.Plan == digest)
        {
            if (progress.Epoch > epoch)
            {
                LogFencedOut(logger, app, current.Sequence, progress.Epoch, progress.Advancer, epoch);
                return false;
            }

            if (progress.IsTerminal)
            {
                Announce(state, app, current, progress);
                return false;
            }
        }

        var control = await ReadControlAsync(state, cluster, app, current.Sequence, cancellationToken);
        var listing = await registry.ListAsync(cluster, WebRole.RoleName, cancellationToken);
        var backend = ServerKey.BackendName(app);
        var servers = (await runtime.ShowServersStateAsync(cancellationToken)).Where(s => s.Backend == backend).ToList();
        var records = listing.Entries.Select(e => e.Record).Where(r => r.Apps.ContainsKey(app) || plan.BatchOf(r.NodeId) is not null)
            .GroupBy(r => r.NodeId).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var live = listing.Live.Select(e => e.Record.NodeId).ToHashSet(StringComparer.Ordinal);
        var reports = progress is null ? [] : (await statuses.ListAsync(cluster, current.Sequence, cancellationToken)).ToDictionary(s => s.NodeId, StringComparer.Ordinal);
        var inRotation = servers.Where(s => !s.IsDown && !s.Draining && !s.InMaintenance).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var nodes = plan.Nodes.Concat(records.Keys).Distinct(StringComparer.Ordinal).ToDictionary(n => n, n =>
        {
            var server = servers.FirstOrDefault(s => s.Name == n);
            var report = reports.GetValueOrDefault(n);
            return new NodeObservation
            {
                NodeId = n,
                Live = live.Contains(n),
                Health = records.GetValueOrDefault(n)?.Health,
                InRotation = inRotation.Contains(n),
                Server = server is null ? null : server.IsDown ? "DOWN" : server.InMaintenance ? "MAINT" : server.Draining ? "DRAIN" : "UP",
                Status = report?.State,
                StatusDetail = report?.Detail ?? report?.Stage,
            };
        }, StringComparer.Ordinal);

        IReadOnlyList<ServerStats>? stats = null;
        GateMeasurement? measurement = null;
        var baking = progress?.Batches.Select((b, i) => (b, i)).FirstOrDefault(x => x.b.State == RolloutStates.BatchBaking);
        if (baking is { b: not null } bake && state.BaselineKey == (current.Sequence, bake.i, epoch))
        {
            stats = (await runtime.ShowStatAsync(cancellationToken)).Where(s => s.Backend == backend).ToList();
            measurement = GateMeasurement.From(bake.b.Nodes.Except(bake.b.Skipped).ToList(), stats, state.Baseline);
        }

        var now = time.GetUtcNow();
        var result = RolloutStepper.Run(new RolloutStepInput
        {
            Cluster = cluster,
            App = app,
            Sequence = current.Sequence,
            PlanDigest = digest,
            Revision = current.Revision,
            Plan = plan,
            Progress = progress,
            Control = control,
            Epoch = epoch,
            Advancer = identity.NodeId,
            Now = now,
            Nodes = nodes,
            InRotation = inRotation,
            Measurement = measurement,
        });

        if (result.TakeBaseline is { } batch)
        {
            stats ??= (await runtime.ShowStatAsync(cancellationToken)).Where(s => s.Backend == backend).ToList();
            state.Baseline = stats.ToDictionary(s => s.Server, StringComparer.Ordinal);
            state.BaselineKey = (current.Sequence, batch, epoch);
        }

        if (result.Changed || (result.Progress != progress && now - state.LastWrite >= MeasurementWriteEvery))
        {
            if (await election.EpochAsync(cancellationToken) != epoch)
            {
                LogLostLease(logger, app, current.Sequence, epoch);
                return false;
            }

            await rollouts.WriteProgressAsync(result.Progress, cancellationToken);
            state.LastWrite = now;
            if (result.Changed)
            {
                LogStep(logger, app, current.Sequence, result.Progress.State, result.Progress.Released, plan.Batches.Count, result.Progress.Detail ?? "-");
            }
        }

        foreach (var announcement in result.Announcements)
        {
            if (state.Announced.Add(announcement.Id))
            {
                var e = notifier.Create(announcement.Type, app, announcement.Summary, announcement.Data);
                notifier.Publish(e with { Id = announcement.Id });
            }
        }

        Announce(state, app, current, result.Progress);
        await NudgeAsync(state, app, current, result.Nudge, records, now, cancellationToken);
        return !result.Progress.IsTerminal;
    }

    /// <summary>Events of the record this lb has not announced itself (it took the rollout over): announced again, same ids.</summary>
    private void Announce(AppRollout state, string app, DesiredRelease current, RolloutProgress progress)
    {
        foreach (var recorded in progress.Events)
        {
            if (time.GetUtcNow() - recorded.At > ReannounceWithin || !state.Announced.Add(recorded.Id))
            {
                continue;
            }

            var e = notifier.Create(recorded.Type, app, recorded.Summary ?? $"{app}: {recorded.Type} (sequence {current.Sequence})",
                new JsonObject { ["app"] = app, ["sequence"] = current.Sequence, ["revision"] = current.Revision, ["announced_again_by"] = identity.NodeId });
            notifier.Publish(e with { Id = recorded.Id, At = recorded.At });
        }
    }

    private async Task<RolloutControl?> ReadControlAsync(AppRollout state, string cluster, string app, long sequence, CancellationToken cancellationToken)
    {
        var got = await rollouts.ReadControlAsync(cluster, app, cancellationToken);
        var problem = got.Problem ?? got.Value?.Check(cluster, app);
        if (problem is not null)
        {
            if (state.LastControlRefusal != problem)
            {
                state.LastControlRefusal = problem;
                LogControlRefused(logger, app, problem);
            }

            return null;
        }

        return got.Value is { } control && control.Sequence == sequence ? control : null;
    }

    private async Task NudgeAsync(
        AppRollout state, string app, DesiredRelease current, IReadOnlyList<string> nodes, IReadOnlyDictionary<string, NodeRecord> records, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var body = new DeployMessage(app, current.Revision, current.Sequence).ToJson();
        foreach (var node in nodes)
        {
            if (records.GetValueOrDefault(node)?.QueueUrl is not { } url
                || (state.LastNudge.TryGetValue(node, out var last) && now - last < NudgeEvery))
            {
                continue;
            }

            try
            {
                await publisher.SendAsync(new Uri(url), DeployMessage.Type, body, cancellationToken);
                state.LastNudge[node] = now;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogNudgeFailed(logger, app, node, ex);
            }
        }
    }

    [LoggerMessage(EventId = 4401, Level = LogLevel.Information, Message = "Rollout of {App} sequence {Sequence}: {State}, {Released} of {Batches} batch(es) released; {Detail}")]
    private static partial void LogStep(ILogger logger, string app, long sequence, string state, int released, int batches, string detail);

    [LoggerMessage(EventId = 4402, Level = LogLevel.Warning, Message = "Rollout of {App} sequence {Sequence}: progress written under epoch {Epoch} by {Advancer}, newer than this lb's {Own}; standing by")]
    private static partial void LogFencedOut(ILogger logger, string app, long sequence, long epoch, string advancer, long own);

    [LoggerMessage(EventId = 4403, Level = LogLevel.Warning, Message = "Rollout of {App} sequence {Sequence}: the lease (epoch {Epoch}) was lost before the write; not writing")]
    private static partial void LogLostLease(ILogger logger, string app, long sequence, long epoch);

    [LoggerMessage(EventId = 4404, Level = LogLevel.Warning, Message = "Rollout of {App} sequence {Sequence}: the progress record is refused ({Reason}); starting from the plan")]
    private static partial void LogProgressRefused(ILogger logger, string app, long sequence, string reason);

    [LoggerMessage(EventId = 4405, Level = LogLevel.Warning, Message = "Rollout of {App}: the control record is refused: {Reason}")]
    private static partial void LogControlRefused(ILogger logger, string app, string reason);

    [LoggerMessage(EventId = 4406, Level = LogLevel.Warning, Message = "Rollout of {App}: could not nudge {Node}; it is nudged again next round")]
    private static partial void LogNudgeFailed(ILogger logger, string app, string node, Exception exception);
}
