using System.Collections.Concurrent;
using NodeAgent.Storage;

namespace NodeAgent.Testing;

/// <summary>
/// An in-memory object store that honours If-None-Match and If-Match like S3 does (fauxqs does not), with small random
/// delays so concurrent callers interleave. For testing conditional-write logic.
/// </summary>
public sealed class ConditionalStore : IObjectStore
{
    private readonly ConcurrentDictionary<string, (byte[] Content, string ETag, IReadOnlyDictionary<string, string> Metadata)> _objects = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private int _preconditionFailures;

    public int PreconditionFailures => _preconditionFailures;

    public async Task<StoredObject?> GetAsync(string key, CancellationToken cancellationToken)
    {
        await Jitter();
        return _objects.TryGetValue(key, out var o) ? new StoredObject(o.Content, Info(key, o)) : null;
    }

    /// <summary>Bounded like S3: an oversized object is refused without being handed out.</summary>
    public async Task<StoredObject?> GetAsync(string key, long maxBytes, CancellationToken cancellationToken)
    {
        var stored = await GetAsync(key, cancellationToken);
        return stored is not null && stored.Content.Length > maxBytes ? throw new ObjectTooLargeException(key, stored.Content.Length, maxBytes) : stored;
    }

    public async Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken)
        => (await GetAsync(key, cancellationToken)) is { } o ? new MemoryStream(o.Content) : null;

    public async Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken)
    {
        await Jitter();
        return _objects.TryGetValue(key, out var o) ? Info(key, o) : null;
    }

    public async Task<ObjectInfo> PutAsync(string key, ReadOnlyMemory<byte> content, PutOptions? options, CancellationToken cancellationToken)
    {
        await Jitter();
        lock (_gate)
        {
            var exists = _objects.TryGetValue(key, out var current);
            if ((options?.IfNoneMatch == true && exists) || (options?.IfMatch is { } etag && (!exists || current.ETag != etag)))
            {
                Interlocked.Increment(ref _preconditionFailures);
                throw new PreconditionFailedException(key);
            }

            var next = (content.ToArray(), Guid.NewGuid().ToString("N"), options?.Metadata ?? ObjectInfo.NoMetadata);
            _objects[key] = next;
            return Info(key, next);
        }
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        _objects.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    public Task DeleteManyAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        foreach (var key in keys)
        {
            _objects.TryRemove(key, out _);
        }

        return Task.CompletedTask;
    }

    public Task<ObjectListing> ListAsync(string prefix, string? delimiter, CancellationToken cancellationToken)
    {
        var objects = new List<ObjectInfo>();
        var prefixes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (key, o) in _objects.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var rest = key[prefix.Length..];
            if (delimiter is not null && rest.Contains(delimiter, StringComparison.Ordinal))
            {
                prefixes.Add(prefix + rest[..(rest.IndexOf(delimiter, StringComparison.Ordinal) + delimiter.Length)]);
            }
            else
            {
                objects.Add(Info(key, o));
            }
        }

        return Task.FromResult(new ObjectListing(objects, prefixes.ToList()));
    }

    public Task<IMultipartUpload> StartMultipartUploadAsync(string key, PutOptions? options, CancellationToken cancellationToken)
        => throw new NotSupportedException();

    private static ObjectInfo Info(string key, (byte[] Content, string ETag, IReadOnlyDictionary<string, string> Metadata) o)
        => new(key, o.Content.Length, o.ETag, DateTimeOffset.UtcNow, o.Metadata);

    private static Task Jitter() => Task.Delay(Random.Shared.Next(0, 3));
}
