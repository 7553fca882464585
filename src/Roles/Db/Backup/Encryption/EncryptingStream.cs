using System.Buffers;

namespace NodeAgent.Roles.Db.Backup.Encryption;

/// <summary>
/// A write-only stream that encrypts what is written into <c>inner</c> chunk by chunk (<see cref="ChunkCipher"/>):
/// the header first, then each full chunk once more data follows it, and the final chunk (marked final, possibly
/// short or empty) when the stream is disposed. Memory is one chunk; nothing is written to disk. The inner stream is
/// left open. Dispose only after every write succeeded: disposing writes the final chunk.
/// </summary>
public sealed class EncryptingStream : Stream
{
    private readonly Stream _inner;
    private readonly ChunkCipher _cipher;
    private readonly byte[] _header;
    private readonly int _chunkSize;
    private readonly byte[] _plain;
    private readonly byte[] _sealed;
    private bool _headerWritten;
    private int _filled;
    private uint _index;
    private bool _finished;

    public EncryptingStream(Stream inner, ChunkCipher cipher, byte[] encodedHeader, int chunkSize)
    {
        _inner = inner;
        _cipher = cipher;
        _header = encodedHeader;
        _chunkSize = chunkSize;
        _plain = ArrayPool<byte>.Shared.Rent(chunkSize);
        _sealed = ArrayPool<byte>.Shared.Rent(chunkSize + ChunkCipher.TagSize);
    }

    /// <summary>Bytes written to the inner stream so far (header, chunks and tags).</summary>
    public long BytesOut { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_finished;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        if (!_headerWritten)
        {
            Out(_header);
            _headerWritten = true;
        }

        while (buffer.Length > 0)
        {
            if (_filled == _chunkSize)
            {
                Out(SealChunk(last: false));
            }

            var n = Math.Min(_chunkSize - _filled, buffer.Length);
            buffer[..n].CopyTo(_plain.AsSpan(_filled));
            _filled += n;
            buffer = buffer[n..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        if (!_headerWritten)
        {
            await OutAsync(_header, cancellationToken);
            _headerWritten = true;
        }

        while (buffer.Length > 0)
        {
            if (_filled == _chunkSize)
            {
                await OutAsync(SealChunk(last: false), cancellationToken);
            }

            var n = Math.Min(_chunkSize - _filled, buffer.Length);
            buffer.Span[..n].CopyTo(_plain.AsSpan(_filled));
            _filled += n;
            buffer = buffer[n..];
        }
    }

    /// <summary>Writes the final chunk. Called by dispose; call it explicitly to see its errors before completing an upload.</summary>
    public async Task FinishAsync(CancellationToken cancellationToken)
    {
        if (_finished)
        {
            return;
        }

        if (!_headerWritten)
        {
            await OutAsync(_header, cancellationToken);
            _headerWritten = true;
        }

        await OutAsync(SealChunk(last: true), cancellationToken);
        await _inner.FlushAsync(cancellationToken);
        Release();
    }

    public override void Flush()
    {
        // Chunks go out when full; a partial chunk cannot be flushed without ending the stream.
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        await FinishAsync(CancellationToken.None);
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_finished)
        {
            FinishAsync(CancellationToken.None).GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }

    private ReadOnlyMemory<byte> SealChunk(bool last)
    {
        _cipher.Seal(_index, last, _plain.AsSpan(0, _filled), _sealed);
        var chunk = _sealed.AsMemory(0, _filled + ChunkCipher.TagSize);
        _index = checked(_index + 1);
        _filled = 0;
        return chunk;
    }

    private void Out(ReadOnlyMemory<byte> bytes)
    {
        _inner.Write(bytes.Span);
        BytesOut += bytes.Length;
    }

    private async ValueTask OutAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await _inner.WriteAsync(bytes, cancellationToken);
        BytesOut += bytes.Length;
    }

    private void Release()
    {
        _finished = true;
        ArrayPool<byte>.Shared.Return(_plain, clearArray: true);
        ArrayPool<byte>.Shared.Return(_sealed);
        _cipher.Dispose();
    }
}
