using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Dns.Failover;
using NodeAgent.Messaging;
using NodeAgent.Registry;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Engines;

namespace NodeAgent.Roles.Db.Replication.Switchover;

/// <summary>
/// <c>db-stop-writes</c> on the primary's queue: if this node still holds the writers' name at the message's epoch and
/// runs the primary, it stops taking writes for the target (a clean shutdown: its replicas receive everything up to the
/// shutdown checkpoint), records the final position for the target, and stays stopped until the target holds the name
/// or the switchover's deadline passes. Otherwise it records why it refused. Either way the message is then done.
/// </summary>
public sealed partial class DbStopWritesHandler(
    IReplicationEngine engine,
    FailoverCoordinator coordinator,
    ReplicationState state,
    SwitchoverStore records,
    NodeStatusBoard board,
    AgentConfig config,
    DbSection db,
    NodeIdentity identity,
    TimeProvider time,
    ILogger<DbStopWritesHandler> logger) : IMessageHandler
{
    public string MessageType => DbStopWritesMessage.Type;

    public async Task<MessageOutcome> HandleAsync(MessageEnvelope message, QueueMessage raw, CancellationToken cancellationToken)
    {
        var (request, error) = DbStopWritesMessage.Parse(message.Body);
        if (request is null)
        {
            return MessageOutcome.Rejected(error!);
        }

        if (request.Cluster != config.Cluster || request.Primary != identity.NodeId)
        {
            return MessageOutcome.Rejected($"db-stop-writes for {request.Primary} in cluster {request.Cluster} reached {identity.NodeId} in {config.Cluster}");
        }

        if (await records.GetAsync(config.Cluster, request.RequestId, "primary", cancellationToken) is { Terminal: true })
        {
            return MessageOutcome.Completed;
        }

        await state.ServerLock.WaitAsync(cancellationToken);
        try
        {
            var claim = coordinator.Current;
            string? refusal = claim.Role != FailoverRole.Active ? $"{identity.NodeId} does not hold {coordinator.Name} ({claim.Detail})"
                : claim.Epoch != request.Epoch ? $"stale epoch: this node holds {coordinator.Name} at epoch {claim.Epoch}, not {request.Epoch}"
                : null;
            if (refusal is null)
            {
                try
                {
                    if ((await engine.ReadStatusAsync(cancellationToken)).IsReplica)
                    {
                        refusal = $"{identity.NodeId} runs a replica, not the primary";
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    refusal = $"{identity.NodeId}'s server does not answer ({ex.Message})";
                }
            }

            if (refusal is not null)
            {
                LogRefused(logger, request.RequestId, refusal);
                await RecordAsync(request, SwitchoverRecord.Refused, refusal, null, cancellationToken);
                return MessageOutcome.Completed;
            }

            var deadline = time.GetUtcNow() + db.Replication.SwitchoverTimeout * 2;
            state.Switchover = new PendingSwitchover(request.RequestId, request.Target, request.Epoch, deadline, null);
            if (state.View is { } view)
            {
                var handing = view with { State = "switching-over", Detail = $"stopping writes for a planned switchover to {request.Target}" };
                state.View = handing;
                board.SetDatabase(handing);
            }

            LogStopping(logger, request.RequestId, request.Target);
            string position;
            try
            {
                position = await engine.StopForSwitchoverAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                state.Switchover = null;
                await RecordAsync(request, SwitchoverRecord.Refused, $"could not stop cleanly: {ex.Message}", null, CancellationToken.None);
                throw;
            }

            state.Switchover = state.Switchover with { FinalPosition = position };
            await RecordAsync(request, SwitchoverRecord.Stopped, $"stopped taking writes; replicas must replay past {position}", position, cancellationToken);
            LogStopped(logger, request.RequestId, position);
            return MessageOutcome.Completed;
        }
        finally
        {
            state.ServerLock.Release();
        }
    }

    private Task RecordAsync(DbStopWritesMessage request, string stage, string detail, string? position, CancellationToken cancellationToken)
        => records.PutAsync(config.Cluster, "primary", new SwitchoverRecord
        {
            RequestId = request.RequestId,
            Node = identity.NodeId,
            State = stage,
            Detail = detail.Length <= 1000 ? detail : detail[..999] + "…",
            Epoch = request.Epoch,
            Position = position,
            UpdatedAt = time.GetUtcNow(),
        }, cancellationToken);

    [LoggerMessage(EventId = 6493, Level = LogLevel.Warning, Message = "Planned switchover {RequestId}: stopping writes for {Target}")]
    private static partial void LogStopping(ILogger logger, string requestId, string target);

    [LoggerMessage(EventId = 6494, Level = LogLevel.Information, Message = "Planned switchover {RequestId}: stopped at {Position}; waiting for the target to take the name")]
    private static partial void LogStopped(ILogger logger, string requestId, string position);

    [LoggerMessage(EventId = 6495, Level = LogLevel.Warning, Message = "Planned switchover {RequestId}: not stopping ({Reason})")]
    private static partial void LogRefused(ILogger logger, string requestId, string reason);
}
