using System.Buffers;

namespace NodeAgent.Roles.Db.Backup.Encryption;

/// <summary>
/// A read-only stream of the plaintext of an encrypted object whose header has been read already: every chunk is
/// authenticated before a byte of it is returned, and the stream ends only after a chunk marked final. A chunk that
/// fails (flipped byte, chunks swapped, object cut short or extended) throws <see cref="InvalidDataException"/> naming
/// the object and the chunk.
/// </summary>
public sealed class DecryptingStream : Stream
{
    private readonly Stream _inner;
    private readonly ChunkCipher _cipher;
    private readonly string _objectKey;
    private readonly int _sealedSize;
    private readonly byte[] _sealed;
    private readonly byte[] _plain;
    private readonly bool _leaveOpen;
    private int _sealedFilled;
    private int _plainStart;
    private int _plainEnd;
    private uint _index;
    private bool _ended;
    private bool _disposed;

    public DecryptingStream(Stream inner, ChunkCipher cipher, int chunkSize, string objectKey, bool leaveOpen = false)
    {
        _inner = inner;
        _cipher = cipher;
        _objectKey = objectKey;
        _sealedSize = chunkSize + ChunkCipher.TagSize;
        // One sealed chunk plus one byte of look-ahead: a full chunk is the final one only if nothing follows it.
        _sealed = ArrayPool<byte>.Shared.Rent(_sealedSize + 1);
        _plain = ArrayPool<byte>.Shared.Rent(chunkSize);
        _leaveOpen = leaveOpen;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (_plainStart == _plainEnd && !_ended)
        {
            var eof = false;
            while (_sealedFilled < _sealedSize + 1 && !eof)
            {
                var n = _inner.Read(_sealed.AsSpan(_sealedFilled, _sealedSize + 1 - _sealedFilled));
                eof = n == 0;
                _sealedFilled += n;
            }

            OpenNext(eof);
        }

        return Serve(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_plainStart == _plainEnd && !_ended)
        {
            var eof = false;
            while (_sealedFilled < _sealedSize + 1 && !eof)
            {
                var n = await _inner.ReadAsync(_sealed.AsMemory(_sealedFilled, _sealedSize + 1 - _sealedFilled), cancellationToken);
                eof = n == 0;
                _sealedFilled += n;
            }

            OpenNext(eof);
        }

        return Serve(buffer.Span);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            ArrayPool<byte>.Shared.Return(_sealed);
            ArrayPool<byte>.Shared.Return(_plain, clearArray: true);
            _cipher.Dispose();
            if (!_leaveOpen)
            {
                _inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    /// <summary>Opens the next chunk from the buffer: the final one when the object ends within one sealed chunk's length.</summary>
    private void OpenNext(bool eof)
    {
        var last = eof && _sealedFilled <= _sealedSize;
        var length = last ? _sealedFilled : _sealedSize;
        if (length < ChunkCipher.TagSize)
        {
            throw new InvalidDataException(
                $"{_objectKey}: encrypted object is truncated ({(_index == 0 ? "no chunk after the header" : $"chunk {_index} is cut short")})");
        }

        if (!_cipher.TryOpen(_index, last, _sealed.AsSpan(0, length), _plain))
        {
            throw new InvalidDataException(
                $"{_objectKey}: encrypted chunk {_index} failed authentication (the object was modified, truncated, extended or its chunks reordered, or it belongs to another object)");
        }

        _plainStart = 0;
        _plainEnd = length - ChunkCipher.TagSize;
        _index = checked(_index + 1);
        if (last)
        {
            _ended = true;
            _sealedFilled = 0;
            return;
        }

        // Keep the look-ahead byte(s) after this chunk for the next one.
        var rest = _sealedFilled - length;
        _sealed.AsSpan(length, rest).CopyTo(_sealed);
        _sealedFilled = rest;
    }

    private int Serve(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, _plainEnd - _plainStart);
        _plain.AsSpan(_plainStart, n).CopyTo(buffer);
        _plainStart += n;
        return n;
    }
}
