namespace NodeAgent.Registry;

/// <summary>The node registry in S3. The key space is the index: one object per node, listed by prefix.</summary>
public interface INodeRegistry
{
    Task PutAsync(NodeRecord record, CancellationToken cancellationToken);

    Task DeleteAsync(string cluster, string role, string nodeId, CancellationToken cancellationToken);

    /// <summary>Lists one role's nodes, or every role's when <paramref name="role"/> is null.</summary>
    Task<RegistryListing> ListAsync(string cluster, string? role, CancellationToken cancellationToken);
}
