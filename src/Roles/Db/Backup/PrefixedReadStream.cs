namespace NodeAgent.Roles.Db.Backup;

/// <summary>
/// A read stream of some leading bytes followed by another stream: bytes already read from it while peeking at a
/// header, or a session setting put in front of a dump. Disposes <c>rest</c> unless <c>leaveOpen</c>.
/// </summary>
public sealed class PrefixedReadStream(byte[] head, Stream rest, bool leaveOpen = false) : Stream
{
    private int _served;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_served < head.Length)
        {
            var n = Math.Min(buffer.Length, head.Length - _served);
            head.AsSpan(_served, n).CopyTo(buffer);
            _served += n;
            return n;
        }

        return rest.Read(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => _served < head.Length ? ValueTask.FromResult(Read(buffer.Span)) : rest.ReadAsync(buffer, cancellationToken);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !leaveOpen)
        {
            rest.Dispose();
        }

        base.Dispose(disposing);
    }
}
