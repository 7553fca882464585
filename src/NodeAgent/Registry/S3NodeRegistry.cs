using NodeAgent.Configuration;
using NodeAgent.Storage;

namespace NodeAgent.Registry;

/// <summary>The registry over the object store. Listing uses prefix + delimiter, then reads each node's object.</summary>
public sealed class S3NodeRegistry(IObjectStore store, RegistrySection settings, TimeProvider time) : INodeRegistry
{
    public async Task PutAsync(NodeRecord record, CancellationToken cancellationToken)
        => await store.PutAsync(
            RegistryKeys.Node(record.Cluster, record.Role, record.NodeId),
            NodeRecordJson.Serialize(record),
            new PutOptions { ContentType = "application/json" },
            cancellationToken);

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
            var listing = await store.ListAsync(RegistryKeys.Role(cluster, r), "/", cancellationToken);
            var reads = listing.Objects
                .Where(o => o.Key.EndsWith(".json", StringComparison.Ordinal))
                .Select(async o =>
                {
                    if (o.Size > NodeRecordJson.MaxBytes)
                    {
                        return ((RegistryEntry?)null, (RegistryReject?)new RegistryReject(o.Key, $"object is {o.Size} bytes; at most {NodeRecordJson.MaxBytes} are accepted"));
                    }

                    var obj = await store.GetAsync(o.Key, cancellationToken);
                    if (obj is null)
                    {
                        return ((RegistryEntry?)null, (RegistryReject?)null);
                    }

                    var (record, error) = NodeRecordJson.Parse(o.Key, obj.Content, cluster, r);
                    if (record is null)
                    {
                        return ((RegistryEntry?)null, (RegistryReject?)new RegistryReject(o.Key, error!));
                    }

                    var age = now - record.HeartbeatAt;
                    return ((RegistryEntry?)new RegistryEntry(o.Key, record, age, age > settings.Ttl), (RegistryReject?)null);
                });
            foreach (var (entry, reject) in await Task.WhenAll(reads))
            {
                if (entry is not null)
                {
                    entries.Add(entry);
                }

                if (reject is not null)
                {
                    rejects.Add(reject);
                }
            }
        }

        return new RegistryListing(
            entries.OrderBy(e => e.Record.Role, StringComparer.Ordinal).ThenBy(e => e.Record.NodeId, StringComparer.Ordinal).ToList(),
            rejects);
    }
}
