using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Dns.Failover;
using NodeAgent.Messaging;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Engines;

namespace NodeAgent.Roles.Db.Replication.Switchover;

/// <summary>
/// The target's side of a planned switchover: checks it is a running replica and that the name is at the expected
/// epoch and held by another node; tells that primary (its queue) to stop taking writes; waits for its final position
/// and replays past it; then, holding the server lock, takes the name over with epoch + 1 (a compare-and-swap on the
/// exact lease it saw) and promotes. Each stage is written to its record in S3, so the caller and an operator can follow;
/// a stage that does not finish within <c>db.replication.switchover_timeout</c> ends it as failed (the old primary then
/// serves again on its own once its deadline passes).
/// </summary>
public sealed partial class SwitchoverRunner(
    IReplicationEngine engine,
    FailoverCoordinator coordinator,
    ReplicationService replication,
    ReplicationState state,
    PeerDirectory directory,
    SwitchoverStore records,
    MessagePublisher publisher,
    AgentConfig config,
    DbSection db,
    NodeIdentity identity,
    TimeProvider time,
    ILogger<SwitchoverRunner> logger)
{
    public async Task RunAsync(DbPromoteMessage request, CancellationToken cancellationToken)
    {
        var existing = await records.GetAsync(config.Cluster, request.RequestId, "target", cancellationToken);
        if (existing is { Terminal: true })
        {
            return;
        }

        LogRequested(logger, request.RequestId, request.RequestedBy);
        await RecordAsync(request.RequestId, SwitchoverRecord.Accepted, "checking this node and the primary", cancellationToken);
        if (await RefusalAsync(request, cancellationToken) is { } refusal)
        {
            LogRefused(logger, request.RequestId, refusal);
            await RecordAsync(request.RequestId, SwitchoverRecord.Refused, refusal, cancellationToken);
            return;
        }

        var claim = coordinator.Current;
        var primary = claim.Holder!;
        var epoch = claim.Epoch;
        var timeout = db.Replication.SwitchoverTimeout;
        try
        {
            var primaryRecord = (await directory.EntriesAsync(cancellationToken, TimeSpan.Zero)).FirstOrDefault(e => e.Record.NodeId == primary && !e.Stale)?.Record;
            if (primaryRecord?.QueueUrl is not { } queue || !Uri.TryCreate(queue, UriKind.Absolute, out var queueUrl))
            {
                await RecordAsync(request.RequestId, SwitchoverRecord.Failed, $"the primary {primary} has no live registry record with a queue", cancellationToken);
                return;
            }

            await publisher.SendAsync(queueUrl, DbStopWritesMessage.Type, new DbStopWritesMessage
            {
                Cluster = config.Cluster, Primary = primary, Epoch = epoch, Target = identity.NodeId, RequestId = request.RequestId,
            }.Serialize(), cancellationToken);
            await RecordAsync(request.RequestId, SwitchoverRecord.WaitingPrimary, $"asked {primary} (epoch {epoch}) to stop taking writes", cancellationToken);

            var stopped = await WaitForAsync(async ct => await records.GetAsync(config.Cluster, request.RequestId, "primary", ct) is { Terminal: true } r ? r : null, timeout, cancellationToken);
            if (stopped is null || stopped.State != SwitchoverRecord.Stopped || stopped.Position is null)
            {
                var why = stopped is null ? $"{primary} did not confirm it stopped taking writes within {DurationParser.Format(timeout)}" : $"{primary} refused: {stopped.Detail}";
                await RecordAsync(request.RequestId, SwitchoverRecord.Failed, why, cancellationToken);
                return;
            }

            await RecordAsync(request.RequestId, SwitchoverRecord.Replaying, $"{primary} stopped at {stopped.Position}; replaying past it", cancellationToken);
            var replayed = await WaitForAsync(async ct => await engine.ReplayedPastAsync(stopped.Position, ct) ? (object)true : null, timeout, cancellationToken);
            if (replayed is null)
            {
                await RecordAsync(request.RequestId, SwitchoverRecord.Failed, $"did not replay past {stopped.Position} within {DurationParser.Format(timeout)}", cancellationToken);
                return;
            }

            long timeline;
            long taken;
            await state.ServerLock.WaitAsync(cancellationToken);
            try
            {
                var takeover = await coordinator.TakeOverNowAsync(epoch, $"planned switchover {request.RequestId} from {primary}", cancellationToken);
                if (!takeover.Applied)
                {
                    await RecordAsync(request.RequestId, SwitchoverRecord.Failed, takeover.Detail, cancellationToken);
                    return;
                }

                taken = takeover.Lease!.Epoch;
                timeline = await replication.PromoteAsync(taken, $"switchover {request.RequestId} from {primary}", cancellationToken);
            }
            finally
            {
                state.ServerLock.Release();
            }

            replication.Wake();
            await RecordAsync(request.RequestId, SwitchoverRecord.Done, $"took {coordinator.Name} over from {primary} (epoch {taken}) after replaying past {stopped.Position}; primary on timeline {timeline}",
                cancellationToken, taken, timeline);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogFailed(logger, request.RequestId, ex);
            await RecordAsync(request.RequestId, SwitchoverRecord.Failed, ex.Message, CancellationToken.None);
        }
    }

    private async Task<string?> RefusalAsync(DbPromoteMessage request, CancellationToken cancellationToken)
    {
        var claim = coordinator.Current;
        if (claim.Role == FailoverRole.Active || claim.Holder == identity.NodeId)
        {
            return $"{identity.NodeId} already holds {coordinator.Name} (epoch {claim.Epoch}); it is the primary, not a replica";
        }

        if (claim.Holder is null)
        {
            return $"no primary holds {coordinator.Name} ({claim.Detail})";
        }

        if (request.ExpectedEpoch is { } expected && expected != claim.Epoch)
        {
            return $"stale epoch: {coordinator.Name} is at epoch {claim.Epoch} (held by {claim.Holder}), not {expected}";
        }

        try
        {
            if (!(await engine.ReadStatusAsync(cancellationToken)).IsReplica)
            {
                return $"{identity.NodeId} runs a primary, not a replica";
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return $"{identity.NodeId} is not a running replica ({ex.Message})";
        }

        return null;
    }

    private async Task<T?> WaitForAsync<T>(Func<CancellationToken, Task<T?>> probe, TimeSpan timeout, CancellationToken cancellationToken)
        where T : class
    {
        var deadline = time.GetUtcNow() + timeout;
        while (time.GetUtcNow() < deadline)
        {
            if (await probe(cancellationToken) is { } value)
            {
                return value;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken);
        }

        return null;
    }

    private Task RecordAsync(string requestId, string stage, string detail, CancellationToken cancellationToken, long? epoch = null, long? timeline = null)
        => records.PutAsync(config.Cluster, "target", new SwitchoverRecord
        {
            RequestId = requestId,
            Node = identity.NodeId,
            State = stage,
            Detail = detail.Length <= 1000 ? detail : detail[..999] + "…",
            Epoch = epoch,
            Timeline = timeline,
            UpdatedAt = time.GetUtcNow(),
        }, cancellationToken);

    [LoggerMessage(EventId = 6490, Level = LogLevel.Information, Message = "Planned switchover {RequestId} to this node requested by {By}")]
    private static partial void LogRequested(ILogger logger, string requestId, string by);

    [LoggerMessage(EventId = 6491, Level = LogLevel.Warning, Message = "Planned switchover {RequestId} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string requestId, string reason);

    [LoggerMessage(EventId = 6492, Level = LogLevel.Error, Message = "Planned switchover {RequestId} failed")]
    private static partial void LogFailed(ILogger logger, string requestId, Exception exception);
}
