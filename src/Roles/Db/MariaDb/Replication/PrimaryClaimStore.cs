using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.MariaDb.Replication;

/// <summary>Reads and writes the cluster's <see cref="PrimaryClaim"/> (compare-and-swap on its ETag where S3 honours it).</summary>
public sealed class PrimaryClaimStore(IObjectStore store, string cluster)
{
    public string Key { get; } = PrimaryClaim.Key(cluster);

    public async Task<(PrimaryClaim? Claim, string? ETag)> ReadAsync(CancellationToken cancellationToken)
        => await store.GetAsync(Key, cancellationToken) is { } stored ? (PrimaryClaim.Parse(stored.Content, Key), stored.Info.ETag) : (null, null);

    /// <summary>Writes the next claim, only over the one read (<paramref name="etag"/>; null: only if there is none).</summary>
    public Task WriteAsync(PrimaryClaim claim, string? etag, CancellationToken cancellationToken)
        => store.PutAsync(Key, claim.ToJsonBytes(), new PutOptions { ContentType = "application/json", IfMatch = etag, IfNoneMatch = etag is null }, cancellationToken);
}
