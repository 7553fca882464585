using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using NodeAgent.Aws;
using Polly;

namespace NodeAgent.Storage;

/// <summary><see cref="IObjectStore"/> over Amazon S3 or an S3-compatible server. Every call goes through the retry pipeline.</summary>
public sealed class S3ObjectStore(IAmazonS3 s3, string bucket, ResiliencePipeline retry, AwsRequestCounter counter) : IObjectStore
{
    public string Bucket { get; } = bucket;

    public async Task<StoredObject?> GetAsync(string key, CancellationToken cancellationToken)
    {
        return await retry.ExecuteAsync(async ct =>
        {
            counter.Count("s3", "GetObject");
            try
            {
                using var response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = Bucket, Key = key }, ct);
                using var buffer = new MemoryStream(response.ContentLength > 0 ? (int)Math.Min(response.ContentLength, int.MaxValue) : 0);
                await response.ResponseStream.CopyToAsync(buffer, ct);
                return new StoredObject(buffer.ToArray(), Info(key, response.ContentLength, response.ETag, response.LastModified, response.Metadata));
            }
            catch (AmazonS3Exception ex) when (IsNotFound(ex))
            {
                return null;
            }
        }, cancellationToken);
    }

    public async Task<StoredObject?> GetAsync(string key, long maxBytes, CancellationToken cancellationToken)
    {
        return await retry.ExecuteAsync(async ct =>
        {
            counter.Count("s3", "GetObject");
            try
            {
                using var response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = Bucket, Key = key }, ct);
                if (response.ContentLength > maxBytes)
                {
                    // Disposing the response unread aborts the transfer: the body never reaches memory.
                    throw new ObjectTooLargeException(key, response.ContentLength, maxBytes);
                }

                var content = await ReadCappedAsync(response.ResponseStream, key, maxBytes, ct);
                return new StoredObject(content, Info(key, content.Length, response.ETag, response.LastModified, response.Metadata));
            }
            catch (AmazonS3Exception ex) when (IsNotFound(ex))
            {
                return null;
            }
        }, cancellationToken);
    }

    /// <summary>Reads at most <paramref name="maxBytes"/> (a body longer than its Content-Length said is refused too).</summary>
    private static async Task<byte[]> ReadCappedAsync(Stream body, string key, long maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new ObjectTooLargeException(key, -1, maxBytes);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    public async Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        return await retry.ExecuteAsync(async ct =>
        {
            counter.Count("s3", "GetObject");
            try
            {
                var response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = Bucket, Key = key }, ct);
                return new ResponseStream(response);
            }
            catch (AmazonS3Exception ex) when (IsNotFound(ex))
            {
                return (Stream?)null;
            }
        }, cancellationToken);
    }

    public async Task<Stream?> OpenReadRangeAsync(string key, long offset, long length, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        return await retry.ExecuteAsync(async ct =>
        {
            counter.Count("s3", "GetObject");
            try
            {
                var response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = Bucket, Key = key, ByteRange = new ByteRange(offset, offset + length - 1) }, ct);
                return new ResponseStream(response);
            }
            catch (AmazonS3Exception ex) when (IsNotFound(ex))
            {
                return (Stream?)null;
            }
        }, cancellationToken);
    }

    public async Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken)
    {
        return await retry.ExecuteAsync(async ct =>
        {
            counter.Count("s3", "HeadObject");
            try
            {
                var response = await s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Bucket, Key = key }, ct);
                return Info(key, response.ContentLength, response.ETag, response.LastModified, response.Metadata);
            }
            catch (AmazonS3Exception ex) when (IsNotFound(ex))
            {
                return null;
            }
        }, cancellationToken);
    }

    public async Task<ObjectInfo> PutAsync(string key, ReadOnlyMemory<byte> content, PutOptions? options, CancellationToken cancellationToken)
    {
        options ??= new PutOptions();
        return await retry.ExecuteAsync(async ct =>
        {
            counter.Count("s3", "PutObject");
            var request = new PutObjectRequest
            {
                BucketName = Bucket,
                Key = key,
                InputStream = new MemoryStream(content.ToArray(), writable: false),
                ContentType = options.ContentType,
                AutoCloseStream = true,
                UseChunkEncoding = false,
            };
            ApplyConditions(request, options);
            try
            {
                var response = await s3.PutObjectAsync(request, ct);
                return new ObjectInfo(key, content.Length, response.ETag, DateTimeOffset.UtcNow, options.Metadata ?? ObjectInfo.NoMetadata);
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict)
            {
                throw new PreconditionFailedException(key);
            }
        }, cancellationToken);
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        await retry.ExecuteAsync(async ct =>
        {
            counter.Count("s3", "DeleteObject");
            await s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Bucket, Key = key }, ct);
        }, cancellationToken);
    }

    public async Task DeleteManyAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        foreach (var chunk in keys.Chunk(1000))
        {
            await retry.ExecuteAsync(async ct =>
            {
                counter.Count("s3", "DeleteObjects");
                var response = await s3.DeleteObjectsAsync(new DeleteObjectsRequest
                {
                    BucketName = Bucket,
                    Objects = chunk.Select(k => new KeyVersion { Key = k }).ToList(),
                    Quiet = true,
                }, ct);
                if (response.DeleteErrors is { Count: > 0 } errors)
                {
                    throw new IOException($"S3 could not delete {errors.Count} objects, first {errors[0].Key}: {errors[0].Code} {errors[0].Message}");
                }
            }, cancellationToken);
        }
    }

    public async Task<ObjectListing> ListAsync(string prefix, string? delimiter, CancellationToken cancellationToken)
    {
        var objects = new List<ObjectInfo>();
        var prefixes = new List<string>();
        string? continuation = null;
        do
        {
            var response = await retry.ExecuteAsync(async ct =>
            {
                counter.Count("s3", "ListObjectsV2");
                return await s3.ListObjectsV2Async(new ListObjectsV2Request
                {
                    BucketName = Bucket,
                    Prefix = prefix,
                    Delimiter = delimiter,
                    ContinuationToken = continuation,
                }, ct);
            }, cancellationToken);
            foreach (var o in response.S3Objects ?? [])
            {
                objects.Add(new ObjectInfo(o.Key, o.Size ?? 0, o.ETag, o.LastModified is { } lm ? new DateTimeOffset(lm.ToUniversalTime()) : DateTimeOffset.MinValue, ObjectInfo.NoMetadata));
            }

            prefixes.AddRange(response.CommonPrefixes ?? []);
            continuation = response.IsTruncated == true ? response.NextContinuationToken : null;
        }
        while (continuation is not null);

        return new ObjectListing(objects, prefixes);
    }

    public async Task<IMultipartUpload> StartMultipartUploadAsync(string key, PutOptions? options, CancellationToken cancellationToken)
    {
        options ??= new PutOptions();
        var response = await retry.ExecuteAsync(async ct =>
        {
            counter.Count("s3", "CreateMultipartUpload");
            var request = new InitiateMultipartUploadRequest { BucketName = Bucket, Key = key, ContentType = options.ContentType };
            foreach (var (k, v) in options.Metadata ?? ObjectInfo.NoMetadata)
            {
                request.Metadata.Add(k, v);
            }

            return await s3.InitiateMultipartUploadAsync(request, ct);
        }, cancellationToken);
        return new S3MultipartUpload(s3, Bucket, key, response.UploadId, retry, counter);
    }

    private static void ApplyConditions(PutObjectRequest request, PutOptions options)
    {
        foreach (var (k, v) in options.Metadata ?? ObjectInfo.NoMetadata)
        {
            request.Metadata.Add(k, v);
        }

        if (options.IfNoneMatch)
        {
            request.IfNoneMatch = "*";
        }

        if (options.IfMatch is { } etag)
        {
            request.IfMatch = etag;
        }
    }

    private static bool IsNotFound(AmazonS3Exception ex) => ex.StatusCode == HttpStatusCode.NotFound;

    private static ObjectInfo Info(string key, long length, string? etag, DateTime? lastModified, MetadataCollection? metadata)
    {
        var meta = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (metadata is not null)
        {
            foreach (var name in metadata.Keys)
            {
                var shortName = name.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase) ? name["x-amz-meta-".Length..] : name;
                meta[shortName.ToLowerInvariant()] = metadata[name];
            }
        }

        var modified = lastModified is { } lm ? new DateTimeOffset(lm.ToUniversalTime()) : DateTimeOffset.MinValue;
        return new ObjectInfo(key, length, etag, modified, meta);
    }

    /// <summary>Keeps the SDK response alive as long as its body stream is read.</summary>
    private sealed class ResponseStream(GetObjectResponse response) : Stream
    {
        private readonly Stream _inner = response.ResponseStream;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => response.ContentLength;

        public override long Position { get => _inner.Position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => _inner.Read(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => _inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => _inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
