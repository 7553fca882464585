namespace NodeAgent.Storage;

/// <summary>
/// The agent's view of its bucket: small JSON records (registry, desired state, status), listings by prefix and
/// delimiter, and multipart uploads for large streams (backups). Keys are relative to the bucket. No AWS SDK types
/// cross this interface.
/// </summary>
public interface IObjectStore
{
    /// <summary>Reads a whole object; null when it does not exist. For documents the agent parses, use the bounded
    /// overload: this one reads whatever size the object has.</summary>
    Task<StoredObject?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Reads a whole object of at most <paramref name="maxBytes"/>; null when it does not exist. The size the store
    /// announces is checked before the body is read, and the body is read through a capped buffer, so an oversized
    /// object never sits in memory. Throws <see cref="ObjectTooLargeException"/>.
    /// </summary>
    async Task<StoredObject?> GetAsync(string key, long maxBytes, CancellationToken cancellationToken)
    {
        var stored = await GetAsync(key, cancellationToken);
        return stored is not null && stored.Content.Length > maxBytes
            ? throw new ObjectTooLargeException(key, stored.Content.Length, maxBytes)
            : stored;
    }

    /// <summary>Opens an object for streaming; null when it does not exist. The caller disposes the stream.</summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Opens bytes <paramref name="offset"/> to <paramref name="offset"/> + <paramref name="length"/> − 1 of an object
    /// (an HTTP range request); null when it does not exist. For stores that cannot, the default says so.
    /// </summary>
    Task<Stream?> OpenReadRangeAsync(string key, long offset, long length, CancellationToken cancellationToken)
        => throw new NotSupportedException($"{GetType().Name} cannot read byte ranges of {key}");

    Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken);

    /// <summary>Writes a whole object. Returns once the store has acknowledged it (durable in S3).</summary>
    Task<ObjectInfo> PutAsync(string key, ReadOnlyMemory<byte> content, PutOptions? options, CancellationToken cancellationToken);

    Task DeleteAsync(string key, CancellationToken cancellationToken);

    Task DeleteManyAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken);

    /// <summary>One listing under <paramref name="prefix"/>: with a delimiter, sub-"directories" come back as prefixes.</summary>
    Task<ObjectListing> ListAsync(string prefix, string? delimiter, CancellationToken cancellationToken);

    /// <summary>Starts a multipart upload; the result uploads parts in order and completes or aborts.</summary>
    Task<IMultipartUpload> StartMultipartUploadAsync(string key, PutOptions? options, CancellationToken cancellationToken);
}

/// <summary>An object's bytes and metadata.</summary>
public sealed record StoredObject(byte[] Content, ObjectInfo Info);

public sealed record ObjectInfo(string Key, long Size, string? ETag, DateTimeOffset LastModified, IReadOnlyDictionary<string, string> Metadata)
{
    public static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();
}

public sealed record ObjectListing(IReadOnlyList<ObjectInfo> Objects, IReadOnlyList<string> CommonPrefixes);

public sealed record PutOptions
{
    public string ContentType { get; init; } = "application/octet-stream";

    /// <summary>User metadata (<c>x-amz-meta-*</c>); keys lower-case.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Create only if absent (If-None-Match: *). Not every S3-compatible server honours it.</summary>
    public bool IfNoneMatch { get; init; }

    /// <summary>Replace only if the current ETag matches (If-Match).</summary>
    public string? IfMatch { get; init; }
}

/// <summary>A multipart upload in progress. Parts are numbered from 1; each but the last must be at least 5 MiB.</summary>
public interface IMultipartUpload : IAsyncDisposable
{
    string Key { get; }

    Task UploadPartAsync(int partNumber, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    Task<ObjectInfo> CompleteAsync(CancellationToken cancellationToken);

    /// <summary>Abandons the upload so no parts linger. Disposing an upload that was not completed aborts it.</summary>
    Task AbortAsync(CancellationToken cancellationToken);
}

/// <summary>An object is larger than the caller accepts; it was not read.</summary>
public sealed class ObjectTooLargeException(string key, long size, long maxBytes)
    : Exception($"{key} is {(size < 0 ? "larger than that" : size + " bytes")}; at most {maxBytes} bytes are accepted")
{
    public string Key { get; } = key;

    public long MaxBytes { get; } = maxBytes;
}

/// <summary>A conditional write lost: the object exists (If-None-Match) or changed (If-Match).</summary>
public sealed class PreconditionFailedException(string key) : Exception($"conditional write of {key} failed: the object changed")
{
    public string Key { get; } = key;
}
