using System.Net;
using NodeAgent.Configuration;
using NodeAgent.Registry;
using NodeAgent.Storage;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Registry;

/// <summary>The registry over the real local S3: listing by prefix and delimiter, staleness, and reads only of changed objects.</summary>
public sealed class S3NodeRegistryTests
{
    [Fact]
    public async Task List_ReadsOnlyObjectsThatChangedSinceTheLastListing()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("reg");
        await using var services = stack.Services(bucket);
        var store = new CountingStore(stack.Store(services));
        var registry = new S3NodeRegistry(store, new RegistrySection(), TimeProvider.System);
        await registry.PutAsync(Record("web-1", DateTimeOffset.UtcNow), CancellationToken.None);
        await registry.PutAsync(Record("web-2", DateTimeOffset.UtcNow), CancellationToken.None);

        var first = await registry.ListAsync("c1", "web", CancellationToken.None);
        var getsAfterFirst = store.Gets;
        var second = await registry.ListAsync("c1", "web", CancellationToken.None);
        var getsAfterSecond = store.Gets;
        await registry.PutAsync(Record("web-2", DateTimeOffset.UtcNow) with { Health = NodeHealth.Draining }, CancellationToken.None);
        var third = await registry.ListAsync("c1", "web", CancellationToken.None);

        Assert.Equal(2, getsAfterFirst);
        Assert.Equal(2, getsAfterSecond);
        Assert.Equal(3, store.Gets);
        Assert.Equal(2, second.Entries.Count);
        Assert.Equal(NodeHealth.Draining, third.Entries.Single(e => e.Record.NodeId == "web-2").Record.Health);
        Assert.Equal(first.Entries.Select(e => e.Key), third.Entries.Select(e => e.Key));
    }

    [Fact]
    public async Task List_MarksEntriesOlderThanTheTtlStale_AndListsEveryRoleWithoutARole()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("reg");
        await using var services = stack.Services(bucket);
        var registry = new S3NodeRegistry(stack.Store(services), new RegistrySection { HeartbeatInterval = TimeSpan.FromSeconds(10), Ttl = TimeSpan.FromSeconds(30) }, TimeProvider.System);
        await registry.PutAsync(Record("web-1", DateTimeOffset.UtcNow), CancellationToken.None);
        await registry.PutAsync(Record("web-2", DateTimeOffset.UtcNow - TimeSpan.FromMinutes(1)), CancellationToken.None);
        await registry.PutAsync(Record("lb-1", DateTimeOffset.UtcNow) with { Role = "lb" }, CancellationToken.None);

        var listing = await registry.ListAsync("c1", null, CancellationToken.None);

        Assert.Equal(["lb/lb-1/live", "web/web-1/live", "web/web-2/stale"],
            listing.Entries.Select(e => $"{e.Record.Role}/{e.Record.NodeId}/{(e.Stale ? "stale" : "live")}"));
        Assert.Equal(["lb-1", "web-1"], listing.Live.Select(e => e.Record.NodeId));
    }

    [Fact]
    public async Task List_RefusesAnOversizedObjectFromItsListedSize_WithoutReadingIt()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("reg");
        await using var services = stack.Services(bucket);
        var store = new CountingStore(stack.Store(services));
        await store.PutAsync("c1/nodes/web/web-big.json", new byte[NodeRecordJson.MaxBytes + 10], null, CancellationToken.None);
        var registry = new S3NodeRegistry(store, new RegistrySection(), TimeProvider.System);

        var listing = await registry.ListAsync("c1", "web", CancellationToken.None);

        Assert.Empty(listing.Entries);
        Assert.Equal("c1/nodes/web/web-big.json", Assert.Single(listing.Rejects).Key);
        Assert.Equal(0, store.Gets);
    }

    private static NodeRecord Record(string id, DateTimeOffset heartbeat) => new()
    {
        Cluster = "c1",
        Role = "web",
        NodeId = id,
        InstanceId = "i-" + id,
        Address = IPAddress.Loopback.ToString(),
        Health = NodeHealth.Healthy,
        StartedAt = heartbeat,
        HeartbeatAt = heartbeat,
    };

    /// <summary>Counts whole-object reads (what a listing costs beyond the LIST itself).</summary>
    private sealed class CountingStore(IObjectStore inner) : IObjectStore
    {
        private int _gets;

        public int Gets => _gets;

        public Task<StoredObject?> GetAsync(string key, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _gets);
            return inner.GetAsync(key, cancellationToken);
        }

        public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken) => inner.OpenReadAsync(key, cancellationToken);

        public Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken) => inner.HeadAsync(key, cancellationToken);

        public Task<ObjectInfo> PutAsync(string key, ReadOnlyMemory<byte> content, PutOptions? options, CancellationToken cancellationToken)
            => inner.PutAsync(key, content, options, cancellationToken);

        public Task DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);

        public Task DeleteManyAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken) => inner.DeleteManyAsync(keys, cancellationToken);

        public Task<ObjectListing> ListAsync(string prefix, string? delimiter, CancellationToken cancellationToken) => inner.ListAsync(prefix, delimiter, cancellationToken);

        public Task<IMultipartUpload> StartMultipartUploadAsync(string key, PutOptions? options, CancellationToken cancellationToken)
            => inner.StartMultipartUploadAsync(key, options, cancellationToken);
    }
}
