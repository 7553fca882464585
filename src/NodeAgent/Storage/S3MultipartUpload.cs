using Amazon.S3;
using Amazon.S3.Model;
using NodeAgent.Aws;
using Polly;

namespace NodeAgent.Storage;

/// <summary>One S3 multipart upload. Completing sends the parts' ETags in order; disposal without completion aborts.</summary>
internal sealed class S3MultipartUpload(IAmazonS3 s3, string bucket, string key, string uploadId, ResiliencePipeline retry, AwsRequestCounter counter)
    : IMultipartUpload
{
    private readonly SortedDictionary<int, PartETag> _parts = [];
    private long _bytes;
    private bool _finished;

    public string Key => key;

    public async Task UploadPartAsync(int partNumber, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        if (partNumber is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(partNumber), partNumber, "S3 part numbers run from 1 to 10000");
        }

        var response = await retry.ExecuteAsync(async ct =>
        {
            counter.Count("s3", "UploadPart");
            using var stream = new MemoryStream(content.ToArray(), writable: false);
            return await s3.UploadPartAsync(new UploadPartRequest
            {
                BucketName = bucket,
                Key = key,
                UploadId = uploadId,
                PartNumber = partNumber,
                InputStream = stream,
                PartSize = content.Length,
                UseChunkEncoding = false,
            }, ct);
        }, cancellationToken);
        lock (_parts)
        {
            _parts[partNumber] = new PartETag(partNumber, response.ETag);
            _bytes += content.Length;
        }
    }

    public async Task<ObjectInfo> CompleteAsync(CancellationToken cancellationToken)
    {
        List<PartETag> parts;
        lock (_parts)
        {
            parts = _parts.Values.ToList();
        }

        var response = await retry.ExecuteAsync(async ct =>
        {
            counter.Count("s3", "CompleteMultipartUpload");
            return await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = bucket,
                Key = key,
                UploadId = uploadId,
                PartETags = parts,
            }, ct);
        }, cancellationToken);
        _finished = true;
        return new ObjectInfo(key, _bytes, response.ETag, DateTimeOffset.UtcNow, ObjectInfo.NoMetadata);
    }

    public async Task AbortAsync(CancellationToken cancellationToken)
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        await retry.ExecuteAsync(async ct =>
        {
            counter.Count("s3", "AbortMultipartUpload");
            await s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = uploadId }, ct);
        }, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_finished)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await AbortAsync(timeout.Token);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Best effort: an abandoned upload is also removed by a bucket lifecycle rule (docs/backups.md).
            }
        }
    }
}
