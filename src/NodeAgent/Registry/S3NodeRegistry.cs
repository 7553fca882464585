using System.Collections.Concurrent;
using NodeAgent.Configuration;
using NodeAgent.Storage;

namespace NodeAgent.Registry;

/// <summary>
/// The registry over the object store. Listing uses prefix + delimiter (the key space is the index), then reads the
/// node objects. Parsed objects are cached by ETag, so a listing only GETs objects that changed since the last one:
/// with the defaults a node's object changes once per heartbeat, so an lb listing every 30 s reads each web node's
/// object about once in four listings (priced in docs/cost.md).
/// </summary>
public sealed class S3NodeRegistry(IObjectStore store, RegistrySection settings, TimeProvider time) : INodeRegistry
{
    private readonly ConcurrentDictionary<string, CachedObject> _cache = new(StringComparer.Ordinal);

    /// <summary>Writes a record, after the same checks every reader applies: nothing is persisted that would not
    /// pass validation when read back.</summary>
    public async Task PutAsync(NodeRecord record, CancellationToken cancellationToken)
    {
        if (NodeRecordJson.Check(record, record.Cluster, record.Role) is { } error)
        {
            throw new InvalidDataException($"refusing to write an invalid registry record: {error}");
        }

        await store.PutAsync(
            RegistryKeys.Node(record.Cluster, record.Role, record.NodeId),
            NodeRecordJson.Serialize(record),
            new PutOptions { ContentType = "application/json" },
            cancellationToken);
    }

    public async Task DeleteAsync(string cluster, string role, string nodeId, CancellationToken cancellationToken)
        => await store.DeleteAsync(RegistryKeys.Node(cluster, role, nodeId), cancellationToken);

    public async Task<RegistryListing> ListAsync(string cluster, string? role, CancellationToken cancellationToken)
    {
        var roles = role is not null
            ? [role]
            : (await store.ListAsync(RegistryKeys.Nodes(cluster), "/", cancellationToken)).CommonPrefixes
                .Select(p => p.TrimEnd('/')[(p.TrimEnd('/').LastIndexOf('/') + 1)..])
                .ToList();

        var entries = new List<RegistryEntry>();
        var rejects = new List<RegistryReject>();
        var now = time.GetUtcNow();
        foreach (var r in roles)
        {
            var prefix = RegistryKeys.Role(cluster, r);
            var listing = await store.ListAsync(prefix, "/", cancellationToken);
            var objects = listing.Objects.Where(o => o.Key.EndsWith(".json", StringComparison.Ordinal)).ToList();
            var results = await Task.WhenAll(objects.Select(o => ReadAsync(o, cluster, r, cancellationToken)));
            foreach (var (record, error, key) in results)
            {
                if (record is not null)
                {
                    var age = now - record.HeartbeatAt;
                    entries.Add(new RegistryEntry(key, record, age, age > settings.Ttl));
                }
                else if (error is not null)
                {
                    rejects.Add(new RegistryReject(key, error));
                }
            }

            var listed = objects.Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
            foreach (var key in _cache.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !listed.Contains(k)))
            {
                _cache.TryRemove(key, out _);
            }
        }

        return new RegistryListing(
            entries.OrderBy(e => e.Record.Role, StringComparer.Ordinal).ThenBy(e => e.Record.NodeId, StringComparer.Ordinal).ToList(),
            rejects);
    }

    private async Task<(NodeRecord? Record, string? Error, string Key)> ReadAsync(
        ObjectInfo info, string cluster, string role, CancellationToken cancellationToken)
    {
        if (info.Size > NodeRecordJson.MaxBytes)
        {
            _cache.TryRemove(info.Key, out _);
            return (null, $"object is {info.Size} bytes; at most {NodeRecordJson.MaxBytes} are accepted", info.Key);
        }

        if (info.ETag is { } etag && _cache.TryGetValue(info.Key, out var cached) && cached.ETag == etag)
        {
            return (cached.Record, cached.Error, info.Key);
        }

        StoredObject? obj;
        try
        {
            obj = await store.GetAsync(info.Key, NodeRecordJson.MaxBytes, cancellationToken);
        }
        catch (ObjectTooLargeException ex)
        {
            _cache.TryRemove(info.Key, out _);
            return (null, ex.Message, info.Key);
        }

        if (obj is null)
        {
            _cache.TryRemove(info.Key, out _);
            return (null, null, info.Key);
        }

        var (record, error) = NodeRecordJson.Parse(info.Key, obj.Content, cluster, role);
        if (obj.Info.ETag is { } readTag)
        {
            _cache[info.Key] = new CachedObject(readTag, record, error);
        }

        return (record, error, info.Key);
    }

    private sealed record CachedObject(string ETag, NodeRecord? Record, string? Error);
}
