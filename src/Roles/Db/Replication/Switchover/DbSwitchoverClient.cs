using NodeAgent.Configuration;
using NodeAgent.Dns;
using NodeAgent.Dns.Failover;
using NodeAgent.Messaging;
using NodeAgent.Registry;
using NodeAgent.Roles.Db.Configuration;

namespace NodeAgent.Roles.Db.Replication.Switchover;

/// <summary>
/// The caller's side of a planned switchover (<see cref="IDbSwitchover"/>), usable from the CLI and from any agent: reads
/// who holds the writers' name and at which epoch, checks the target in the registry (a live replica, not the holder),
/// sends it <c>db-promote</c>, and follows its record in S3 until it is done, refused or failed, or the time is up.
/// The target re-checks everything itself; these checks only give a quick, clear refusal.
/// </summary>
public sealed class DbSwitchoverClient(
    IDnsProvider dns, INodeRegistry registry, MessagePublisher publisher, SwitchoverStore records, AgentConfig config, DbSection db, TimeProvider time) : IDbSwitchover
{
    public async Task<SwitchoverOutcome> SwitchOverAsync(SwitchoverRequest request, CancellationToken cancellationToken)
    {
        var requestId = $"{time.GetUtcNow():yyyyMMdd't'HHmmss}-{Guid.NewGuid():N}"[..32];
        var zone = config.Dns?.Zone ?? throw new InvalidOperationException("a switchover needs the dns section (the writers' name)");
        var name = DnsNames.Fqdn(db.Replication.Name, zone);
        var lease = LeaseRecord.Find((await dns.ReadAsync(name, cancellationToken)).Texts);
        SwitchoverOutcome Refuse(string why, string? target = null) => new(false, requestId, target, lease?.Epoch, null, why);
        if (lease is null)
        {
            return Refuse($"no primary holds {name}: there is nothing to switch over from");
        }

        if (request.ExpectedEpoch is { } expected && expected != lease.Epoch)
        {
            return Refuse($"stale epoch: {name} is at epoch {lease.Epoch} (held by {lease.Owner}), not {expected}");
        }

        var entries = (await registry.ListAsync(config.Cluster, DbRoleName, cancellationToken)).Entries;
        RegistryEntry? target;
        if (request.Target is { } wanted)
        {
            target = entries.FirstOrDefault(e => e.Record.NodeId == wanted);
            if (wanted == lease.Owner)
            {
                return Refuse($"{wanted} already holds {name} (epoch {lease.Epoch}); it is the primary, not a replica", wanted);
            }

            if (target is null || target.Stale)
            {
                return Refuse($"{wanted} has no live record in the registry of cluster {config.Cluster}", wanted);
            }

            if (target.Record.Database?.Role != DatabaseView.Replica)
            {
                return Refuse($"{wanted} is not a replica (it reports {target.Record.Database?.Role ?? "no replication state"})", wanted);
            }
        }
        else
        {
            target = entries.Where(e => !e.Stale && e.Record.NodeId != lease.Owner && e.Record.Database is { Role: DatabaseView.Replica })
                .OrderBy(e => e.Record.Database!.State == "streaming" ? 0 : 1)
                .ThenBy(e => e.Record.Database!.LagBytes ?? long.MaxValue)
                .ThenBy(e => e.Record.NodeId, StringComparer.Ordinal)
                .FirstOrDefault();
            if (target is null)
            {
                return Refuse($"no live replica to switch over to in cluster {config.Cluster}");
            }
        }

        if (target.Record.QueueUrl is not { } queue || !Uri.TryCreate(queue, UriKind.Absolute, out var queueUrl))
        {
            return Refuse($"{target.Record.NodeId} has no queue in its registry record", target.Record.NodeId);
        }

        var message = new DbPromoteMessage
        {
            Cluster = config.Cluster,
            Target = target.Record.NodeId,
            ExpectedEpoch = lease.Epoch,
            RequestId = requestId,
            RequestedBy = request.RequestedBy,
        };
        await publisher.SendAsync(queueUrl, DbPromoteMessage.Type, message.Serialize(), cancellationToken);
        return await FollowAsync(requestId, target.Record.NodeId, lease.Epoch, request.Timeout, cancellationToken);
    }

    private async Task<SwitchoverOutcome> FollowAsync(string requestId, string target, long epoch, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + timeout;
        SwitchoverRecord? last = null;
        while (time.GetUtcNow() < deadline)
        {
            last = await records.GetAsync(config.Cluster, requestId, "target", cancellationToken) ?? last;
            if (last is { Terminal: true })
            {
                return new SwitchoverOutcome(last.State == SwitchoverRecord.Done, requestId, target, last.Epoch ?? epoch, last.Timeline, last.Detail);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), time, cancellationToken);
        }

        return new SwitchoverOutcome(false, requestId, target, epoch, null,
            $"no outcome within {DurationParser.Format(timeout)}; {target} last said: {last?.State ?? "nothing (is its agent running?)"}{(last is null ? string.Empty : $" ({last.Detail})")}");
    }

    /// <summary>The registry role db nodes register under (the role's own name; the kernel never names it).</summary>
    private const string DbRoleName = "db";
}
