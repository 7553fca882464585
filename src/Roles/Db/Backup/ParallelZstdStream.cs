using System.Buffers;
using System.Collections.Concurrent;

namespace NodeAgent.Roles.Db.Backup;

/// <summary>
/// A write-only stream that compresses fixed-size blocks on several threads (<see cref="ZstdBlockCompressor"/>: native
/// libzstd, else the managed port) and writes them, in order, as independent zstd frames (each with its content
/// checksum) to <paramref name="inner"/>. Concatenated frames are one valid zstd stream, so any zstd reader decompresses
/// it. Dispose (or <see cref="DisposeAsync"/>) to flush the last block. <paramref name="onFrame"/>, when given, is told
/// each frame's uncompressed and compressed length as it is written, in order (a base backup's index, for delta
/// re-seeds that fetch single frames).
/// </summary>
public sealed class ParallelZstdStream(Stream inner, int level, int workers, int blockSize = ParallelZstdStream.DefaultBlockSize, Action<int, int>? onFrame = null) : Stream
{
    public const int DefaultBlockSize = 4 << 20;

    private readonly Queue<(Task<byte[]> Frame, int Length)> _pending = new();
    private readonly ConcurrentBag<ZstdBlockCompressor> _compressors = [];

    /// <summary>The blocks, reused within this stream and dropped with it (not kept by a process-wide pool after the
    /// backup).</summary>
    private readonly ArrayPool<byte> _pool = ArrayPool<byte>.Create(1 << 30, 4 * Math.Max(1, workers));
    private byte[] _block = [];
    private int _filled;
    private bool _finished;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count)
        => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        if (_block.Length == 0)
        {
            _block = _pool.Rent(blockSize);
        }

        while (buffer.Length > 0)
        {
            var n = Math.Min(blockSize - _filled, buffer.Length);
            buffer[..n].CopyTo(_block.AsMemory(_filled));
            _filled += n;
            buffer = buffer[n..];
            if (_filled == blockSize)
            {
                await DispatchAsync(cancellationToken);
            }
        }
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
        if (!_finished)
        {
            _finished = true;
            if (_filled > 0)
            {
                await DispatchAsync(CancellationToken.None);
            }

            while (_pending.Count > 0)
            {
                await WriteNextAsync(CancellationToken.None);
            }

            if (_block.Length > 0)
            {
                _pool.Return(_block);
            }

            foreach (var compressor in _compressors)
            {
                compressor.Dispose();
            }
        }

        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_finished)
        {
            DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }

    private async Task DispatchAsync(CancellationToken cancellationToken)
    {
        var block = _block;
        var length = _filled;
        _pending.Enqueue((Task.Run(() => CompressBlock(block, length), cancellationToken), length));
        _block = _pool.Rent(blockSize);
        _filled = 0;
        // Up to two blocks per worker queued, so the producer keeps reading while every worker is busy.
        while (_pending.Count >= Math.Max(1, 2 * workers))
        {
            await WriteNextAsync(cancellationToken);
        }
    }

    private async Task WriteNextAsync(CancellationToken cancellationToken)
    {
        var (compressing, length) = _pending.Dequeue();
        var frame = await compressing;
        await inner.WriteAsync(frame, cancellationToken);
        onFrame?.Invoke(length, frame.Length);
    }

    private byte[] CompressBlock(byte[] block, int length)
    {
        if (!_compressors.TryTake(out var compressor))
        {
            compressor = new ZstdBlockCompressor(level);
        }

        try
        {
            return compressor.Compress(block.AsSpan(0, length));
        }
        finally
        {
            _pool.Return(block);
            _compressors.Add(compressor);
        }
    }
}
