using Microsoft.Extensions.Logging;
using NodeAgent.Registry;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.MariaDb.Replication;

/// <summary>
/// <c>nodeagent db promote</c> on a MariaDB replica (docs/replication-mariadb.md), by hand:
/// <list type="number">
/// <item>takes the next fencing epoch: writes the cluster's <see cref="PrimaryClaim"/> naming this node at epoch + 1
/// (conditional on the claim it read);</item>
/// <item>waits until the old primary's agent has fenced it (<c>read_only = 1</c>, registry role <c>fenced</c> at the new
/// epoch, with its final GTID position). An old primary whose record is stale is down: its agent fences it when it
/// starts (set <c>read_only = ON</c> in every node's server config, so it cannot take writes before that);</item>
/// <item>waits until this replica has applied everything up to that final position (<c>MASTER_GTID_WAIT</c>; without
/// one, up to what it received);</item>
/// <item>stops the replica threads for good (<c>STOP SLAVE; RESET SLAVE ALL</c>), turns <c>read_only</c> off and records
/// the promotion in its state file, from where its agent serves as the primary at the new epoch.</item>
/// </list>
/// </summary>
public sealed partial class MariaDbPromotion(MariaDbConfig mariaDb, string cluster, string nodeId, string stateDir, IObjectStore store, INodeRegistry registry, TimeProvider time, ILogger logger)
{
    public async Task<PromotionResult> PromoteAsync(TimeSpan timeout, bool force, CancellationToken cancellationToken)
    {
        var client = new MariaDbReplicationClient(mariaDb);
        var status = await client.ReplicaStatusAsync(cancellationToken);
        if (!status.Configured)
        {
            throw new InvalidOperationException("this node is not a MariaDB replica (SHOW SLAVE STATUS is empty): nothing to promote");
        }

        var claims = new PrimaryClaimStore(store, cluster);
        var (claim, etag) = await claims.ReadAsync(cancellationToken);
        var peers = new MariaDbPeers(registry, cluster);
        var current = await peers.FindPrimaryAsync(claim, mariaDb.Replication?.Primary, cancellationToken);
        var previous = current?.NodeId ?? claim?.NodeId ?? mariaDb.Replication?.Primary;
        if (previous == nodeId)
        {
            throw new InvalidOperationException($"{nodeId} already holds the primary claim at epoch {claim?.Epoch}; its agent finishes the promotion");
        }

        var epoch = Math.Max(claim?.Epoch ?? 0, current?.Epoch ?? 0) + 1;
        try
        {
            await claims.WriteAsync(new PrimaryClaim { NodeId = nodeId, Epoch = epoch, Since = time.GetUtcNow(), Previous = previous }, etag, cancellationToken);
        }
        catch (PreconditionFailedException)
        {
            throw new InvalidOperationException($"{claims.Key} changed while this promotion read it: another promotion raced this one; check 'nodeagent status --cluster' and try again");
        }

        LogClaimed(logger, nodeId, epoch, previous ?? "(none)");
        var finalPosition = previous is null ? null : await WaitFencedAsync(peers, previous, epoch, timeout, force, cancellationToken);
        var target = finalPosition ?? (await client.ReplicaStatusAsync(cancellationToken)).ReceivedPosition;
        if (!string.IsNullOrEmpty(target) && !await client.WaitForPositionAsync(target, timeout, cancellationToken))
        {
            throw new TimeoutException(
                $"this replica did not apply everything up to {target} within {timeout}; the claim at epoch {epoch} stands and the old primary stays fenced: "
                + "run db promote again once it has caught up");
        }

        await client.StopReplicaAsync(cancellationToken);
        await client.SetReadOnlyAsync(false, cancellationToken);
        new LocalReplicationState { State = LocalReplicationState.Promoted, Epoch = epoch, Since = time.GetUtcNow() }.Save(LocalReplicationState.PathUnder(stateDir));
        LogPromoted(logger, nodeId, epoch, target ?? "(empty)");
        return new PromotionResult(nodeId, epoch, previous, target);
    }

    private async Task<string?> WaitFencedAsync(MariaDbPeers peers, string previous, long epoch, TimeSpan timeout, bool force, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + timeout;
        while (true)
        {
            var entry = await peers.FindAsync(previous, cancellationToken);
            if (entry is null || entry.Stale)
            {
                LogPreviousDown(logger, previous);
                return null;
            }

            if (entry.Record.Database is { Role: DatabaseView.Fenced } view && view.Epoch >= epoch)
            {
                return view.Position;
            }

            if (time.GetUtcNow() > deadline)
            {
                if (force)
                {
                    LogForced(logger, previous);
                    return null;
                }

                throw new TimeoutException(
                    $"{previous} did not confirm it is fenced at epoch {epoch} within {timeout}; the claim stands (its agent fences it at its next round) "
                    + "and this replica was not promoted: run db promote again, or with --force to promote without the confirmation");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), time, cancellationToken);
        }
    }

    [LoggerMessage(EventId = 6280, Level = LogLevel.Information, Message = "Promotion: {Node} claims the MariaDB primary at epoch {Epoch} (was {Previous})")]
    private static partial void LogClaimed(ILogger logger, string node, long epoch, string previous);

    [LoggerMessage(EventId = 6281, Level = LogLevel.Warning, Message = "Promotion: {Previous}'s registry record is stale: it is down and fences itself when its agent starts")]
    private static partial void LogPreviousDown(ILogger logger, string previous);

    [LoggerMessage(EventId = 6282, Level = LogLevel.Warning, Message = "Promotion: {Previous} did not confirm its fence in time; promoting anyway (--force)")]
    private static partial void LogForced(ILogger logger, string previous);

    [LoggerMessage(EventId = 6283, Level = LogLevel.Information, Message = "Promotion: {Node} is the MariaDB primary at epoch {Epoch}, caught up to {Position}")]
    private static partial void LogPromoted(ILogger logger, string node, long epoch, string position);
}

/// <summary>What a promotion did: the new primary, its epoch, the one it replaced and the position it caught up to.</summary>
public sealed record PromotionResult(string NodeId, long Epoch, string? Previous, string? CaughtUpTo);
