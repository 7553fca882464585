using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace NodeAgent.Roles.Db.Postgres.Reseed;

/// <summary>
/// A write-through stream between pg_basebackup's tar and the compressor that notes, as the bytes go by, every entry
/// (ustar headers as PostgreSQL writes them: regular files, directories, symbolic links) and hashes each file's data
/// piece by piece, cutting at the compressor's frame boundaries (every <c>frameSize</c> tar bytes). Costs one XXH128 pass
/// over the data (many GB/s) and no extra copy. Anything it does not understand (pax or GNU headers, hard links) makes
/// the index unusable (<see cref="Problem"/>) without disturbing the backup, which is then simply restored in full.
/// </summary>
public sealed class TarIndexer(Stream inner, int frameSize) : Stream
{
    private const int Block = 512;
    private readonly byte[] _header = new byte[Block];
    private readonly List<IndexEntry> _entries = [];
    private readonly XxHash128 _hash = new();
    private int _headerFilled;
    private long _position;
    private long _dataRemaining;
    private long _padRemaining;
    private bool _ended;
    private string? _path;
    private int _mode;
    private long _size;
    private long _dataOffset;
    private List<string>? _hashes;
    private MemoryStream? _pageLsns;
    private readonly byte[] _lsnBytes = new byte[8];
    private int _lsnFilled;

    /// <summary>Why the index cannot be used, or null.</summary>
    public string? Problem { get; private set; }

    public IReadOnlyList<IndexEntry> Entries => _entries;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Observe(buffer.Span);
        await inner.WriteAsync(buffer, cancellationToken);
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>The index of the tar seen so far (call at the end), with the stored frames the compressor reported; null when unusable.</summary>
    public BackupIndex? Build(string backupId, IReadOnlyList<long[]> frames)
    {
        if (Problem is null && (_dataRemaining > 0 || _headerFilled > 0))
        {
            Problem = "the tar stream ended inside an entry";
        }

        return Problem is not null ? null : new BackupIndex
        {
            BackupId = backupId,
            FrameSize = frameSize,
            TarBytes = _position,
            Frames = frames,
            Entries = _entries,
        };
    }

    private void Observe(ReadOnlySpan<byte> bytes)
    {
        while (bytes.Length > 0)
        {
            if (_ended || Problem is not null)
            {
                _position += bytes.Length;
                return;
            }

            int n;
            if (_dataRemaining > 0)
            {
                var toBoundary = frameSize - (_position % frameSize);
                n = (int)Math.Min(Math.Min(_dataRemaining, toBoundary), bytes.Length);
                _hash.Append(bytes[..n]);
                if (_pageLsns is not null)
                {
                    NotePageLsns(bytes[..n]);
                }

                _dataRemaining -= n;
                _position += n;
                if (_dataRemaining == 0 || _position % frameSize == 0)
                {
                    _hashes!.Add(Convert.ToHexStringLower(_hash.GetHashAndReset()));
                }

                if (_dataRemaining == 0)
                {
                    FinishFile();
                }
            }
            else if (_padRemaining > 0)
            {
                n = (int)Math.Min(_padRemaining, bytes.Length);
                _padRemaining -= n;
                _position += n;
            }
            else
            {
                n = Math.Min(Block - _headerFilled, bytes.Length);
                bytes[..n].CopyTo(_header.AsSpan(_headerFilled));
                _headerFilled += n;
                _position += n;
                if (_headerFilled == Block)
                {
                    _headerFilled = 0;
                    ParseHeader();
                }
            }

            bytes = bytes[n..];
        }
    }

    private void ParseHeader()
    {
        if (_header.All(b => b == 0))
        {
            _ended = true;
            return;
        }

        var type = (char)_header[156];
        var name = Text(0, 100);
        if (Encoding.ASCII.GetString(_header, 257, 5) == "ustar" && Text(345, 155) is { Length: > 0 } prefix)
        {
            name = prefix + "/" + name;
        }

        name = name.TrimStart('.', '/').TrimEnd('/');
        if (!TryOctal(100, 8, out var mode) || !TrySize(out var size))
        {
            Problem = $"tar header of '{name}' has an unreadable mode or size";
            return;
        }

        var dataPadded = (size + Block - 1) / Block * Block;
        switch (type)
        {
            case '0' or '\0':
                _path = name;
                _mode = (int)(mode & 0xFFF);
                _size = size;
                _dataOffset = _position;
                _hashes = [];
                _pageLsns = IndexEntry.IsRelationFile(name) && size % IndexEntry.PageSize == 0 && size > 0 ? new MemoryStream((int)Math.Min(size / IndexEntry.PageSize * 8, 1 << 20)) : null;
                _lsnFilled = 0;
                _dataRemaining = size;
                _padRemaining = dataPadded - size;
                if (size == 0)
                {
                    FinishFile();
                }

                return;
            case '5':
                Add(new IndexEntry { Path = name, Type = IndexEntry.Directory, Mode = (int)(mode & 0xFFF) });
                break;
            case '2':
                Add(new IndexEntry { Path = name, Type = IndexEntry.Symlink, Mode = (int)(mode & 0xFFF), Link = Text(157, 100) });
                break;
            default:
                Problem = $"tar entry '{name}' has type '{type}', which the index does not describe";
                return;
        }

        _padRemaining = dataPadded;
    }

    private void FinishFile()
    {
        Add(new IndexEntry
        {
            Path = _path!, Type = IndexEntry.File, Mode = _mode, Size = _size, Offset = _dataOffset, Hashes = _hashes,
            PageLsns = _pageLsns is { } lsns ? Convert.ToBase64String(lsns.GetBuffer(), 0, (int)lsns.Length) : null,
        });
        _hashes = null;
        _pageLsns = null;
    }

    /// <summary>Copies the first 8 bytes of every page (pd_lsn) that passes: the file's data so far is at <c>_size - _dataRemaining</c>.</summary>
    private void NotePageLsns(ReadOnlySpan<byte> data)
    {
        var fileOffset = _size - _dataRemaining;
        for (var i = 0; i < data.Length;)
        {
            var inPage = (int)((fileOffset + i) % IndexEntry.PageSize);
            if (inPage < 8)
            {
                var take = Math.Min(8 - inPage, data.Length - i);
                data.Slice(i, take).CopyTo(_lsnBytes.AsSpan(inPage));
                _lsnFilled = inPage + take;
                i += take;
                if (_lsnFilled == 8)
                {
                    // pd_lsn is two uint32 halves (xlogid, xrecoff) in the server's byte order (little-endian here).
                    var lsn = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(_lsnBytes) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(_lsnBytes.AsSpan(4));
                    BinaryPrimitives.WriteUInt64LittleEndian(_lsnBytes, lsn);
                    _pageLsns!.Write(_lsnBytes);
                }
            }
            else
            {
                i += IndexEntry.PageSize - inPage;
            }
        }
    }

    private void Add(IndexEntry entry)
    {
        if (entry.Path.Length > 0)
        {
            _entries.Add(entry);
        }
    }

    private string Text(int offset, int length)
    {
        var field = _header.AsSpan(offset, length);
        var end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }

    private bool TryOctal(int offset, int length, out long value)
    {
        var text = Encoding.ASCII.GetString(_header, offset, length).Trim('\0', ' ');
        value = 0;
        if (text.Length == 0)
        {
            return true;
        }

        try
        {
            value = Convert.ToInt64(text, 8);
            return value >= 0;
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException)
        {
            return false;
        }
    }

    private bool TrySize(out long size)
    {
        if ((_header[124] & 0x80) != 0)
        {
            // base-256: the remaining bytes are a big-endian number (sizes of 8 GiB and more).
            size = BinaryPrimitives.ReadInt64BigEndian(_header.AsSpan(128, 8));
            return size >= 0 && _header.AsSpan(125, 3).IndexOfAnyExcept((byte)0) < 0;
        }

        return TryOctal(124, 12, out size);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"tar index at {_position}: {_entries.Count} entries");
}
