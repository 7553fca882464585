using System.Security.Cryptography;

namespace NodeAgent.Roles.Db.Backup;

/// <summary>
/// A pass-through stream that counts bytes and computes their SHA-256 as they go by, for reads or writes, so a
/// streamed backup is checksummed without a second pass. Optionally keeps the first and last bytes that went by.
/// </summary>
public sealed class HashingStream(Stream inner, bool leaveOpen = false, int captureHead = 0, int captureTail = 0) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _head = new byte[captureHead];
    private readonly byte[] _tail = new byte[captureTail];
    private int _headFilled;
    private int _tailFilled;
    private string? _final;

    /// <summary>The first bytes that went by (up to the <c>captureHead</c> asked for), e.g. a tar stream's first entry.</summary>
    public ReadOnlySpan<byte> Head => _head.AsSpan(0, _headFilled);

    /// <summary>The last bytes that went by (up to the <c>captureTail</c> asked for), e.g. the trailer of a dump.</summary>
    public ReadOnlySpan<byte> Tail => _tail.AsSpan(0, _tailFilled);

    public long BytesSeen { get; private set; }

    /// <summary>Hex SHA-256 of every byte seen; call once the stream has been read or written to the end.</summary>
    public string Sha256Hex => _final ??= Convert.ToHexStringLower(_hash.GetHashAndReset());

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => BytesSeen; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        Seen(buffer[..n]);
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken);
        Seen(buffer.Span[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Seen(buffer);
        inner.Write(buffer);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Seen(buffer.Span);
        await inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
            if (!leaveOpen)
            {
                inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        _hash.Dispose();
        if (!leaveOpen)
        {
            await inner.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    private void Seen(ReadOnlySpan<byte> data)
    {
        if (_headFilled < _head.Length)
        {
            var n = Math.Min(_head.Length - _headFilled, data.Length);
            data[..n].CopyTo(_head.AsSpan(_headFilled));
            _headFilled += n;
        }

        if (_tail.Length > 0)
        {
            if (data.Length >= _tail.Length)
            {
                data[^_tail.Length..].CopyTo(_tail);
                _tailFilled = _tail.Length;
            }
            else
            {
                var keep = Math.Min(_tailFilled, _tail.Length - data.Length);
                _tail.AsSpan(_tailFilled - keep, keep).CopyTo(_tail);
                data.CopyTo(_tail.AsSpan(keep));
                _tailFilled = keep + data.Length;
            }
        }

        _hash.AppendData(data);
        BytesSeen += data.Length;
    }
}
