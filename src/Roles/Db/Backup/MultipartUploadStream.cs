using System.Buffers;
using System.Security.Cryptography;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.Backup;

/// <summary>
/// A write-only stream into an S3 multipart upload: bytes are cut into parts (sizes from <see cref="PartSizePolicy"/>)
/// and uploaded while the producer keeps writing, at most <c>inFlight</c> parts at a time, so memory stays bounded
/// and nothing touches the disk. <see cref="CompleteAsync"/> uploads the last part and completes the object; disposing
/// without completing aborts the upload.
/// </summary>
public sealed class MultipartUploadStream : Stream
{
    private readonly IMultipartUpload _upload;
    private readonly long _initialPartSize;
    private readonly SemaphoreSlim _slots;
    private readonly List<Task> _uploads = [];
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly CancellationToken _cancellation;

    /// <summary>The part buffers, reused within this upload and dropped with it: a process-wide pool would keep them
    /// after the backup, for hours, on an idle node (docs/footprint.md).</summary>
    private readonly ArrayPool<byte> _pool = ArrayPool<byte>.Create(1 << 30, 4);
    private byte[] _buffer;
    private int _partLimit;
    private int _filled;
    private int _partNumber;
    private bool _completed;

    public MultipartUploadStream(IMultipartUpload upload, long initialPartSize, int inFlight, CancellationToken cancellationToken)
    {
        _upload = upload;
        _initialPartSize = initialPartSize;
        _slots = new SemaphoreSlim(inFlight, inFlight);
        _cancellation = cancellationToken;
        _partNumber = 1;
        _partLimit = Limit(PartSizePolicy.ForPart(initialPartSize, 1));
        _buffer = _pool.Rent(_partLimit);
    }

    public long BytesWritten { get; private set; }

    public int Parts => _partNumber - (_filled == 0 ? 1 : 0);

    /// <summary>Hex SHA-256 of the uploaded bytes (the stored object); valid after <see cref="CompleteAsync"/>.</summary>
    public string Sha256Hex { get; private set; } = string.Empty;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => BytesWritten;

    public override long Position { get => BytesWritten; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count)
        => WriteAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var copy = buffer.ToArray();
        WriteAsync(copy, CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        while (buffer.Length > 0)
        {
            var room = _partLimit - _filled;
            var n = Math.Min(room, buffer.Length);
            buffer.Span[..n].CopyTo(_buffer.AsSpan(_filled));
            _hash.AppendData(buffer.Span[..n]);
            _filled += n;
            BytesWritten += n;
            buffer = buffer[n..];
            if (_filled == _partLimit)
            {
                await ShipAsync(cancellationToken);
            }
        }
    }

    /// <summary>Uploads what is buffered as the last part, waits for every part and completes the object.</summary>
    public async Task<ObjectInfo> CompleteAsync(CancellationToken cancellationToken)
    {
        if (_filled > 0 || _partNumber == 1)
        {
            await ShipAsync(cancellationToken);
        }

        await Task.WhenAll(_uploads);
        var info = await _upload.CompleteAsync(cancellationToken);
        _completed = true;
        Sha256Hex = Convert.ToHexStringLower(_hash.GetHashAndReset());
        return info;
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (!_completed)
        {
            try
            {
                await Task.WhenAll(_uploads);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The upload is abandoned below; its failure was already reported to the writer.
            }

            await _upload.DisposeAsync();
            _completed = true;
        }

        _hash.Dispose();
        _slots.Dispose();
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_completed)
        {
            DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }

    private async Task ShipAsync(CancellationToken cancellationToken)
    {
        if (_partNumber > PartSizePolicy.MaxParts)
        {
            throw new InvalidOperationException($"stream exceeds {PartSizePolicy.MaxParts} parts");
        }

        // A failed part fails the whole stream at the next write rather than after the producer has finished.
        foreach (var done in _uploads.Where(t => t.IsFaulted))
        {
            await done;
        }

        await _slots.WaitAsync(cancellationToken);
        var part = _partNumber;
        var content = _buffer;
        var length = _filled;
        _uploads.Add(Task.Run(async () =>
        {
            try
            {
                await _upload.UploadPartAsync(part, content.AsMemory(0, length), _cancellation);
            }
            finally
            {
                _pool.Return(content);
                _slots.Release();
            }
        }, CancellationToken.None));
        _partNumber++;
        _filled = 0;
        _partLimit = _partNumber <= PartSizePolicy.MaxParts ? Limit(PartSizePolicy.ForPart(_initialPartSize, _partNumber)) : 0;
        _buffer = _pool.Rent(_partLimit);
    }

    private static int Limit(long size) => size > Array.MaxLength
        ? throw new NotSupportedException($"part size {size} exceeds what one buffer can hold")
        : (int)size;
}
