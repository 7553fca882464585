using System.Net;
using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Registry;
using NodeAgent.Roles.Db.Engines;

namespace NodeAgent.Roles.Db.Replication;

/// <summary>
/// The db nodes of this cluster as the registry shows them, and where their servers listen (the record's address and
/// its <c>ports.&lt;engine&gt;</c>; a node without that port uses this node's, since the nodes share their config). The
/// listing is cached for <see cref="CacheFor"/>; decisions that must see the latest state ask for a fresh one.
/// </summary>
public sealed partial class PeerDirectory(INodeRegistry registry, NodeIdentity identity, IReplicationEngine engine, TimeProvider time, ILogger<PeerDirectory> logger)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(15);

    private readonly SemaphoreSlim _listing = new(1, 1);
    private IReadOnlyList<RegistryEntry> _entries = [];
    private DateTimeOffset _at = DateTimeOffset.MinValue;

    /// <summary>Every db node's entry (live and stale), from a listing no older than <paramref name="maxAge"/> (default: the cache).</summary>
    public async Task<IReadOnlyList<RegistryEntry>> EntriesAsync(CancellationToken cancellationToken, TimeSpan? maxAge = null)
    {
        await _listing.WaitAsync(cancellationToken);
        try
        {
            if (time.GetUtcNow() - _at > (maxAge ?? CacheFor))
            {
                var listing = await registry.ListAsync(identity.Cluster, identity.Role, cancellationToken);
                _entries = listing.Entries;
                _at = time.GetUtcNow();
                foreach (var reject in listing.Rejects)
                {
                    LogRejected(logger, reject.Key, reject.Reason);
                }
            }

            return _entries;
        }
        finally
        {
            _listing.Release();
        }
    }

    /// <summary>Where <paramref name="nodeId"/>'s server listens, or why that is not known (no record, a stale one).</summary>
    public async Task<(PeerEndpoint? Endpoint, string? Problem)> EndpointAsync(string nodeId, CancellationToken cancellationToken)
    {
        var entries = await EntriesAsync(cancellationToken);
        var entry = entries.FirstOrDefault(e => e.Record.NodeId == nodeId);
        if (entry is null)
        {
            entries = await EntriesAsync(cancellationToken, TimeSpan.FromSeconds(2));
            entry = entries.FirstOrDefault(e => e.Record.NodeId == nodeId);
        }

        if (entry is null)
        {
            return (null, $"{nodeId} has no record in the registry");
        }

        if (entry.Stale)
        {
            return (null, $"{nodeId}'s registry record is stale (last heartbeat {entry.Age.TotalSeconds:0} s ago)");
        }

        return EndpointOf(entry.Record) is { } endpoint ? (endpoint, null) : (null, $"{nodeId}'s registry record has no usable address");
    }

    public PeerEndpoint? EndpointOf(NodeRecord record)
        => IPAddress.TryParse(record.Address, out var address)
            ? new PeerEndpoint(record.NodeId, address, record.Ports.GetValueOrDefault(engine.PortName) is > 0 and var port ? port : engine.Port)
            : null;

    [LoggerMessage(EventId = 6450, Level = LogLevel.Warning, Message = "Registry object {Key} ignored: {Reason}")]
    private static partial void LogRejected(ILogger logger, string key, string reason);
}
