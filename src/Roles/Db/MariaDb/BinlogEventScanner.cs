using System.Buffers.Binary;

namespace NodeAgent.Roles.Db.MariaDb;

/// <summary>
/// A pass-through read stream over a binary log that follows its event headers as the bytes go by (the 4-byte magic
/// <c>FE 'bin'</c>, then events of <c>timestamp u32 | type u8 | server_id u32 | size u32 | next u32 | flags u16</c>,
/// little-endian), so a replay knows each log's first and last event time without a second read. A log that is not a
/// binlog, or whose events do not chain to its end, is refused naming the log.
/// </summary>
public sealed class BinlogEventScanner(Stream inner, string name) : Stream
{
    public const int HeaderSize = 19;
    private static readonly byte[] Magic = [0xFE, 0x62, 0x69, 0x6E];
    private readonly byte[] _pending = new byte[HeaderSize];
    private int _pendingFilled;
    private long _skip;
    private long _position;

    /// <summary>The timestamp of the first event (the format description: when the log was opened), or null before it was seen.</summary>
    public DateTimeOffset? FirstEvent { get; private set; }

    /// <summary>The timestamp of the last event seen so far.</summary>
    public DateTimeOffset? LastEvent { get; private set; }

    public long Events { get; private set; }

    public long BytesRead => _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        Scan(buffer[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken);
        Scan(buffer.Span[..n]);
        return n;
    }

    /// <summary>Call at the end of the log: it must end exactly at an event boundary.</summary>
    public void EnsureComplete()
    {
        if (_position < Magic.Length || _pendingFilled != 0 || _skip != 0)
        {
            throw new InvalidDataException($"binlog {name} ends inside an event (at byte {_position})");
        }
    }

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
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Scan(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            if (_position < Magic.Length)
            {
                if (data[0] != Magic[_position])
                {
                    throw new InvalidDataException($"binlog {name} does not start with the binary log magic number");
                }

                data = data[1..];
                _position++;
                continue;
            }

            if (_skip > 0)
            {
                var n = (int)Math.Min(_skip, data.Length);
                _skip -= n;
                _position += n;
                data = data[n..];
                continue;
            }

            var take = Math.Min(HeaderSize - _pendingFilled, data.Length);
            data[..take].CopyTo(_pending.AsSpan(_pendingFilled));
            _pendingFilled += take;
            _position += take;
            data = data[take..];
            if (_pendingFilled == HeaderSize)
            {
                var timestamp = DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadUInt32LittleEndian(_pending));
                var size = BinaryPrimitives.ReadUInt32LittleEndian(_pending.AsSpan(9));
                if (size < HeaderSize)
                {
                    throw new InvalidDataException($"binlog {name} has an event of {size} bytes at byte {_position - HeaderSize}");
                }

                FirstEvent ??= timestamp;
                LastEvent = timestamp;
                Events++;
                _skip = size - HeaderSize;
                _pendingFilled = 0;
            }
        }
    }
}
