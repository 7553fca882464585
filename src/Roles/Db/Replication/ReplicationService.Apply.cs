using Microsoft.Extensions.Logging;
using NodeAgent.Dns.Failover;
using NodeAgent.Registry;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Engines;

namespace NodeAgent.Roles.Db.Replication;

/// <summary>Carrying out a step, keeping synchronous standbys, and publishing the node's replication state.</summary>
public sealed partial class ReplicationService
{
    private async Task ApplyAsync(ReplicationStep step, PlanInput input, CancellationToken cancellationToken)
    {
        switch (step.Kind)
        {
            case StepKind.StartPrimary:
                _state.PrimaryReady = false;
                await _engine.StartAsync(asPrimary: true, null, cancellationToken);
                _epochs.Save(new HeldEpoch(DatabaseView.Primary, input.Claim.Epoch, input.Status?.Timeline));
                break;
            case StepKind.StartReplica:
                await _engine.StartAsync(asPrimary: false, step.Upstream, cancellationToken);
                break;
            case StepKind.Build:
                Publish(step, input, state: "restoring");
                var built = await _engine.BuildReplicaAsync(step.Upstream, cancellationToken);
                _metrics.Built(built);
                LogBuilt(_logger, built.Method, built.BackupId ?? "-", built.BytesFetched, built.BackupStoredBytes, built.Detail);
                await _engine.StartAsync(asPrimary: false, step.Upstream, cancellationToken);
                _epochs.Save(new HeldEpoch(DatabaseView.Replica, input.Claim.Epoch, null));
                break;
            case StepKind.Promote:
                await PromoteAsync(input.Claim.Epoch, _state.PromotionReason, cancellationToken);
                break;
            case StepKind.Fence:
                Publish(step, input, state: "fenced");
                await _engine.StopAsync(cancellationToken);
                _metrics.Fenced.Inc();
                LogFenced(_logger, step.Detail);
                break;
            case StepKind.Rejoin:
                Publish(step, input, state: "rejoining");
                var rejoined = await _engine.RejoinAsync(step.Upstream!, cancellationToken);
                _metrics.Built(rejoined);
                LogBuilt(_logger, rejoined.Method, rejoined.BackupId ?? "-", rejoined.BytesFetched, rejoined.BackupStoredBytes, rejoined.Detail);
                await _engine.StartAsync(asPrimary: false, step.Upstream, cancellationToken);
                _state.Switchover = null;
                _epochs.Save(new HeldEpoch(DatabaseView.Replica, input.Claim.Epoch, null));
                break;
            case StepKind.PointAt:
                await _engine.PointAtAsync(step.Upstream!, cancellationToken);
                break;
            case StepKind.EnsurePrimary:
                await _engine.EnsurePrimaryAsync(cancellationToken);
                _state.PrimaryReady = true;
                if (input.Status is { } primaryStatus)
                {
                    await KeepSynchronousAsync(primaryStatus, cancellationToken);
                }

                break;
            case StepKind.ResumeAfterSwitchover:
                LogSwitchoverAbandoned(_logger, _state.Switchover?.Target ?? "?");
                _state.Switchover = null;
                _state.PrimaryReady = false;
                await _engine.StartAsync(asPrimary: true, null, cancellationToken);
                break;
            case StepKind.Serve when input.Status is { IsReplica: false } status && input.Claim.Role == FailoverRole.Active:
                _epochs.Save(new HeldEpoch(DatabaseView.Primary, input.Claim.Epoch, status.Timeline));
                await KeepSynchronousAsync(status, cancellationToken);
                break;
            case StepKind.Serve when input.Status is { IsReplica: true } status:
                _epochs.Save(new HeldEpoch(DatabaseView.Replica, input.Claim.Epoch, status.Timeline));
                break;
        }
    }

    /// <summary>Promotes the local replica (the caller holds the server lock and this node holds the name with <paramref name="epoch"/>).</summary>
    public async Task<long> PromoteAsync(long epoch, string reason, CancellationToken cancellationToken)
    {
        var at = Time.GetUtcNow();
        var timeline = await _engine.PromoteAsync(new PromotionContext(_identity.NodeId, epoch, reason, at), cancellationToken);
        _state.PrimaryReady = false;
        _state.PromotionReason = "failover";
        _metrics.Promotions.Inc();
        _epochs.Save(new HeldEpoch(DatabaseView.Primary, epoch, timeline));
        LogPromoted(_logger, _name, epoch, timeline, reason);
        if (_replication.Synchronous)
        {
            await KeepSynchronousAsync(await _engine.ReadStatusAsync(cancellationToken), cancellationToken);
        }

        return timeline;
    }

    /// <summary>
    /// <c>db.replication.synchronous</c> on the primary: commits wait for any one of the live replicas. When none is left:
    /// <c>block</c> keeps waiting for the replicas it knew (the old primary rejoining counts), <c>degrade</c> goes
    /// asynchronous after two intervals without a connected synchronous replica, and back once one streams again.
    /// </summary>
    private async Task KeepSynchronousAsync(ReplicationStatus status, CancellationToken cancellationToken)
    {
        var current = status.SynchronousStandbys.Where(s => s != _identity.NodeId).ToList();
        IReadOnlyList<string> desired = [];
        if (_replication.Synchronous)
        {
            var entries = await _directory.EntriesAsync(cancellationToken);
            var live = entries.Where(e => !e.Stale && e.Record.NodeId != _identity.NodeId && e.Record.Database?.Role == DatabaseView.Replica)
                .Select(e => e.Record.NodeId).Order(StringComparer.Ordinal).ToList();
            if (_replication.OnSyncLoss == SyncLossPolicy.Block)
            {
                desired = live.Count > 0 ? live
                    : current.Count > 0 ? current
                    : entries.Where(e => e.Record.NodeId != _identity.NodeId).Select(e => e.Record.NodeId).Order(StringComparer.Ordinal).ToList();
            }
            else
            {
                var connected = status.StreamingReplicas.Intersect(live).Any();
                _noSyncSince = connected || live.Count == 0 ? null : _noSyncSince ?? Time.GetUtcNow();
                desired = live.Count == 0 || (_noSyncSince is { } since && Time.GetUtcNow() - since > _replication.Interval * 2) ? [] : live;
                if (desired.Count == 0 && current.Count > 0)
                {
                    LogDegraded(_logger, string.Join(", ", current));
                }
            }
        }

        if (await _engine.SetSynchronousAsync(desired, cancellationToken))
        {
            LogSynchronous(_logger, desired.Count == 0 ? "none (asynchronous)" : string.Join(", ", desired));
        }
    }

    private void Publish(ReplicationStep step, PlanInput input, string? state = null)
    {
        var status = input.Status;
        var claim = input.Claim;
        var holdsName = claim.Role == FailoverRole.Active;
        var fenced = input.Local.Data == LocalData.Primary && claim.Role == FailoverRole.Standby && claim.Holder is { } h && h != _identity.NodeId;
        var role = status is { IsReplica: false } && !fenced ? DatabaseView.Primary
            : status is { IsReplica: true } || input.Local.Data == LocalData.Replica ? DatabaseView.Replica
            : fenced || step.Kind == StepKind.Fence ? DatabaseView.Fenced
            : DatabaseView.Starting;
        state ??= input.Switchover is not null ? "switching-over"
            : !input.Local.Running ? "stopped"
            : status is null ? "starting"
            : status.IsReplica ? status.ReceiverState ?? "archive"
            : "serving";
        var view = new DatabaseView
        {
            Role = role,
            Engine = _engine.EngineName,
            State = state,
            Timeline = status?.Timeline,
            Position = status?.Position,
            ReplayPosition = status?.ReplayPosition,
            LagBytes = status?.LagBytes,
            LagSeconds = status?.LagSeconds is { } s ? Math.Round(s, 3) : null,
            Epoch = claim.Epoch,
            Holds = holdsName && status is { IsReplica: false } ? _name : null,
            Upstream = status is { IsReplica: true } || role == DatabaseView.Fenced ? (claim.Holder != _identity.NodeId ? claim.Holder : null) : null,
            Detail = step.Kind == StepKind.Serve && input.UpstreamProblem is null && state is not "switching-over" ? null : Truncate(step.Detail),
        };
        Board(view);
        var ready = step.Kind is StepKind.Serve or StepKind.EnsurePrimary or StepKind.PointAt
                    || (step.Kind == StepKind.Wait && input.Switchover is not null);
        _readiness.Set(CheckName, ready, $"{role} ({state}): {step.Detail}");
        _metrics.Primary.Set(role == DatabaseView.Primary && holdsName ? 1 : 0);
        _metrics.Replica.Set(role == DatabaseView.Replica && input.Local.Running ? 1 : 0);
        _metrics.Epoch.Set(claim.Epoch);
        if (status is not null)
        {
            _metrics.Timeline.Set(status.Timeline ?? 0);
            if (status.PositionBytes is { } position)
            {
                _metrics.Position.Set(position);
            }

            if (status.ReplayPositionBytes is { } replay)
            {
                _metrics.ReplayPosition.Set(replay);
            }

            _metrics.LagBytes.Set(status.LagBytes ?? 0);
            _metrics.LagSeconds.Set(status.LagSeconds ?? 0);
            _metrics.StreamingReplicas.Set(status.StreamingReplicas.Count);
            _metrics.SynchronousStandbys.Set(status.SynchronousStandbys.Count);
        }
    }

    private void Board(DatabaseView view)
    {
        _state.View = view;
        _board.SetDatabase(view);
    }

    private static string Truncate(string text) => text.Length <= DatabaseView.MaxTextLength * 2 ? text : text[..(DatabaseView.MaxTextLength * 2 - 1)] + "…";

    [LoggerMessage(EventId = 6472, Level = LogLevel.Warning, Message = "Promoted: this node now holds {Name} (epoch {Epoch}) and serves writes on timeline {Timeline} ({Reason})")]
    private static partial void LogPromoted(ILogger logger, string name, long epoch, long timeline, string reason);

    [LoggerMessage(EventId = 6473, Level = LogLevel.Warning, Message = "Fenced: {Detail}")]
    private static partial void LogFenced(ILogger logger, string detail);

    [LoggerMessage(EventId = 6474, Level = LogLevel.Information, Message = "Replica built by {Method} from backup {Id}: fetched {Bytes} bytes (backup stores {StoredBytes}); {Detail}")]
    private static partial void LogBuilt(ILogger logger, string method, string id, long bytes, long storedBytes, string detail);

    [LoggerMessage(EventId = 6475, Level = LogLevel.Information, Message = "Synchronous standbys now: {Standbys}")]
    private static partial void LogSynchronous(ILogger logger, string standbys);

    [LoggerMessage(EventId = 6476, Level = LogLevel.Warning, Message = "No synchronous replica is connected; degrading to asynchronous commits (db.replication.on_sync_loss: degrade; was {Standbys})")]
    private static partial void LogDegraded(ILogger logger, string standbys);

    [LoggerMessage(EventId = 6477, Level = LogLevel.Warning, Message = "The planned switchover to {Target} did not happen in time; this node still holds the name and serves as primary again")]
    private static partial void LogSwitchoverAbandoned(ILogger logger, string target);
}
