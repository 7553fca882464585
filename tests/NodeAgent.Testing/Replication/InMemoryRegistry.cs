using System.Collections.Concurrent;
using NodeAgent.Registry;

namespace NodeAgent.Testing.Replication;

/// <summary>A node registry in memory (the promotion race's two replicas), every entry live.</summary>
public sealed class InMemoryRegistry : INodeRegistry
{
    private readonly ConcurrentDictionary<string, NodeRecord> _records = new(StringComparer.Ordinal);

    public Task PutAsync(NodeRecord record, CancellationToken cancellationToken)
    {
        _records[$"{record.Cluster}/{record.Role}/{record.NodeId}"] = record;
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string cluster, string role, string nodeId, CancellationToken cancellationToken)
    {
        _records.TryRemove($"{cluster}/{role}/{nodeId}", out _);
        return Task.CompletedTask;
    }

    public Task<RegistryListing> ListAsync(string cluster, string? role, CancellationToken cancellationToken)
        => Task.FromResult(new RegistryListing(
            _records.Values.Where(r => r.Cluster == cluster && (role is null || r.Role == role)).OrderBy(r => r.NodeId, StringComparer.Ordinal)
                .Select(r => new RegistryEntry($"{r.Cluster}/nodes/{r.Role}/{r.NodeId}.json", r, TimeSpan.Zero, false)).ToList(),
            []));
}
