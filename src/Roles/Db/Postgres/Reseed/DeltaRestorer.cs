using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.Postgres.Reseed;

/// <summary>
/// Makes an existing data directory identical to a base backup while fetching only what differs (a delta re-seed):
/// <list type="number">
/// <item>reads the backup's index (vouched for by the manifest's <c>index_sha256</c>) and checks it;</item>
/// <item>compares every local file with the index. A relation's data file is compared page by page by LSN
/// (<c>pd_lsn</c>, the last WAL record that changed the page): a local page with the backup's LSN is the same page
/// (only hint bits, which are not WAL-logged, may differ), and a page the backup has with an LSN after the backup's
/// start is rewritten by recovery from its full-page image anyway, so neither is fetched. Every other file is
/// compared piece by piece by hash. What differs (or is missing) marks its frame as needed;</item>
/// <item>removes every local entry the backup does not have (leftover WAL, pid files, a former primary's signals);</item>
/// <item>fetches the needed frames with ranged GETs (adjacent frames merged, up to four requests at once), checks each
/// frame's zstd checksum and each piece's hash, and writes the pieces in place;</item>
/// <item>sets sizes and modes, and hands the tree to the database's OS user.</item>
/// </list>
/// The result is what a full restore of the backup would have written. Interrupted, it is simply run again (the caller
/// keeps a marker until it finished). Returns how many bytes it fetched from the archive.
/// </summary>
public sealed partial class DeltaRestorer(IObjectStore store, ArchiveLayout layout, ILogger logger)
{
    private const long MaxRangeBytes = 32 << 20;
    private const int Parallelism = 4;

    /// <param name="trustPageLsns">
    /// Compare relation pages by LSN: only for data that shares the backup's history and was shut down cleanly (a
    /// replica). A former primary's diverged pages, or a crashed server's possibly torn ones, are compared by hash.
    /// </param>
    public async Task<DeltaReport> RestoreAsync(BaseBackupManifest manifest, string dataDir, OsUser? owner, bool trustPageLsns, CancellationToken cancellationToken)
    {
        var (index, indexBytes) = await LoadIndexAsync(manifest, cancellationToken);
        var root = Path.GetFullPath(dataDir);
        Directory.CreateDirectory(root);
        UnixModes.Set(root, UnixModes.PrivateDirectory);

        // 1. Compare: which pieces differ, per frame.
        var wanted = index.Entries.ToDictionary(e => e.Path, StringComparer.Ordinal);
        var stale = new ConcurrentBag<StalePiece>();
        var redo = manifest.Start.Value;
        long pagesKept = 0;
        long localBytesHashed = 0;
        foreach (var entry in index.Entries.Where(e => e.Type == IndexEntry.Directory).OrderBy(e => e.Path.Length))
        {
            var path = Combine(root, entry.Path);
            RemoveIfNot(path, FileKind.Directory);
            Directory.CreateDirectory(path);
        }

        await Parallel.ForEachAsync(index.Entries.Where(e => e.Type != IndexEntry.Directory), new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = cancellationToken }, async (entry, ct) =>
        {
            var path = Combine(root, entry.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (entry.Type == IndexEntry.Symlink)
            {
                if (new FileInfo(path).LinkTarget != entry.Link)
                {
                    RemoveIfNot(path, FileKind.None);
                    File.CreateSymbolicLink(path, entry.Link!);
                }

                return;
            }

            RemoveIfNot(path, FileKind.File);
            var pieces = entry.Pieces(index.FrameSize).ToList();
            using var handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite);
            var length = RandomAccess.GetLength(handle);
            var lsns = trustPageLsns ? entry.DecodePageLsns() : [];
            if (lsns.Length > 0)
            {
                var (needed, kept) = await StalePagesAsync(handle, length, lsns, redo, ct);
                Interlocked.Add(ref pagesKept, kept);
                for (var i = 0; i < pieces.Count; i++)
                {
                    var piece = pieces[i];
                    var ranges = needed.Select(p => Intersect(piece, (long)p * IndexEntry.PageSize, IndexEntry.PageSize)).OfType<(long, int)>().ToList();
                    if (ranges.Count > 0)
                    {
                        stale.Add(new StalePiece(entry, piece, i, ranges));
                    }
                }
            }
            else
            {
                var buffer = new byte[Math.Min(index.FrameSize, Math.Max(1, entry.Size))];
                for (var i = 0; i < pieces.Count; i++)
                {
                    var piece = pieces[i];
                    if (piece.FileOffset + piece.Length > length || !await SameAsync(handle, piece, entry.Hashes![i], buffer, ct))
                    {
                        stale.Add(new StalePiece(entry, piece, i, null));
                    }
                }
            }

            Interlocked.Add(ref localBytesHashed, Math.Min(length, entry.Size));
            if (length != entry.Size)
            {
                RandomAccess.SetLength(handle, entry.Size);
            }
        });

        // 2. Remove what the backup does not have.
        var removed = RemoveExtra(root, root, wanted);

        // 3. Fetch the frames that hold stale pieces and write those pieces.
        var byFrame = stale.GroupBy(s => s.Piece.Frame).ToDictionary(g => g.Key, g => g.ToList());
        var ranges = Ranges(index, byFrame.Keys.Order().ToList());
        long fetched = 0;
        await Parallel.ForEachAsync(ranges, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (range, ct) =>
        {
            var bytes = await FetchAsync(layout.BaseTar(manifest.Id), range.Offset, range.Length, ct);
            Interlocked.Add(ref fetched, bytes.Length);
            foreach (var frame in range.Frames)
            {
                var (offset, length) = (index.Frames[frame][0] - range.Offset, (int)index.Frames[frame][1]);
                var content = ZstdCodec.Decompress(bytes.AsSpan((int)offset, length), index.FrameLength(frame));
                foreach (var (entry, piece, hash, ranges) in byFrame[frame])
                {
                    var data = content.AsMemory((int)(piece.TarOffset - ((long)frame * index.FrameSize)), piece.Length);
                    var actual = Convert.ToHexStringLower(XxHash128.Hash(data.Span));
                    if (actual != entry.Hashes![hash])
                    {
                        throw new InvalidDataException($"{layout.BaseTar(manifest.Id)}: frame {frame} gives '{entry.Path}' at {piece.FileOffset} a hash {actual}, the index says {entry.Hashes[hash]}");
                    }

                    using var handle = File.OpenHandle(Combine(root, entry.Path), FileMode.Open, FileAccess.Write);
                    foreach (var (at, count) in ranges ?? [(piece.FileOffset, piece.Length)])
                    {
                        await RandomAccess.WriteAsync(handle, data.Slice((int)(at - piece.FileOffset), count), at, ct);
                    }
                }
            }
        });

        // 4. Modes and owner, as a full restore leaves them.
        foreach (var entry in index.Entries.Where(e => e.Type != IndexEntry.Symlink))
        {
            var mode = (UnixFileMode)(entry.Mode & 0x1FF) | UnixFileMode.UserRead | UnixFileMode.UserWrite
                       | (entry.Type == IndexEntry.Directory ? UnixFileMode.UserExecute : 0);
            UnixModes.Set(Combine(root, entry.Path), mode);
        }

        if (owner is not null && PosixOwnership.IsRoot)
        {
            PosixOwnership.ChownTree(root, owner.Uid, owner.Gid);
        }

        var report = new DeltaReport(manifest.Id, fetched, indexBytes, manifest.StoredBytes, byFrame.Count, index.Frames.Count, stale.Count, removed, localBytesHashed)
        {
            PagesKept = pagesKept,
        };
        LogReseeded(logger, manifest.Id, root, report.FramesFetched, report.FramesTotal, report.BytesFetched + report.IndexBytes, manifest.StoredBytes, removed);
        return report;
    }

    private async Task<(BackupIndex Index, long StoredBytes)> LoadIndexAsync(BaseBackupManifest manifest, CancellationToken cancellationToken)
    {
        var key = layout.Index(manifest.Id);
        if (manifest.IndexSha256 is null || manifest.IndexBytes is not { } size)
        {
            throw new IndexUnavailableException($"backup {manifest.Id} has no file index (taken by an older agent, or its tar could not be indexed)");
        }

        if (size is <= 0 or > BackupIndex.MaxStoredBytes)
        {
            throw new InvalidDataException($"{key}: the manifest gives it {size} bytes; at most {BackupIndex.MaxStoredBytes} are read");
        }

        var stored = await store.GetAsync(key, BackupIndex.MaxStoredBytes, cancellationToken)
            ?? throw new IndexUnavailableException($"{key} is missing although the manifest names it");
        if (stored.Content.Length != size || Convert.ToHexStringLower(SHA256.HashData(stored.Content)) != manifest.IndexSha256)
        {
            throw new InvalidDataException($"{key} does not match the sha256 and size its manifest gives it");
        }

        var json = ZstdCodec.DecompressBounded(stored.Content, BackupIndex.MaxJsonBytes);
        var index = BackupIndex.Parse(json, key);
        index.Validate(manifest, key);
        return (index, stored.Content.Length);
    }

    private async Task<byte[]> FetchAsync(string key, long offset, long length, CancellationToken cancellationToken)
    {
        await using var body = await store.OpenReadRangeAsync(key, offset, length, cancellationToken)
            ?? throw new InvalidOperationException($"{key} is missing although its manifest exists");
        var buffer = new byte[length];
        await body.ReadExactlyAsync(buffer, cancellationToken);
        if (await body.ReadAsync(new byte[1], cancellationToken) != 0)
        {
            throw new InvalidDataException($"{key}: the range {offset}+{length} returned more bytes than asked for");
        }

        return buffer;
    }

    /// <summary>
    /// The pages of a relation file to fetch: missing locally, or with another LSN than the backup's where the backup's
    /// is not after its start (a page changed after the start is restored from its full-page image by recovery).
    /// </summary>
    private static async Task<(List<int> Needed, long Kept)> StalePagesAsync(SafeFileHandle handle, long length, ulong[] lsns, ulong redo, CancellationToken cancellationToken)
    {
        var needed = new List<int>();
        long kept = 0;
        var header = new byte[8];
        for (var page = 0; page < lsns.Length; page++)
        {
            var offset = (long)page * IndexEntry.PageSize;
            if (offset + IndexEntry.PageSize > length || await RandomAccess.ReadAsync(handle, header, offset, cancellationToken) != 8)
            {
                needed.Add(page);
                continue;
            }

            var local = ((ulong)System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(header) << 32) | System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
            if (local == lsns[page] || lsns[page] > redo)
            {
                kept++;
            }
            else
            {
                needed.Add(page);
            }
        }

        return (needed, kept);
    }

    /// <summary>The part of <paramref name="piece"/> that bytes <paramref name="offset"/>..+<paramref name="length"/> of the file overlap, or null.</summary>
    private static (long Offset, int Length)? Intersect(IndexPiece piece, long offset, int length)
    {
        var start = Math.Max(piece.FileOffset, offset);
        var end = Math.Min(piece.FileOffset + piece.Length, offset + length);
        return end > start ? (start, (int)(end - start)) : null;
    }

    /// <summary>Adjacent needed frames become one request of at most <see cref="MaxRangeBytes"/>.</summary>
    private static List<FrameRange> Ranges(BackupIndex index, IReadOnlyList<int> frames)
    {
        var ranges = new List<FrameRange>();
        foreach (var frame in frames)
        {
            var (offset, length) = (index.Frames[frame][0], index.Frames[frame][1]);
            if (ranges.Count > 0 && ranges[^1] is var last && last.Frames[^1] == frame - 1 && last.Length + length <= MaxRangeBytes)
            {
                last.Frames.Add(frame);
                ranges[^1] = last with { Length = last.Length + length };
            }
            else
            {
                ranges.Add(new FrameRange(offset, length, [frame]));
            }
        }

        return ranges;
    }

    private static async Task<bool> SameAsync(SafeFileHandle handle, IndexPiece piece, string expected, byte[] buffer, CancellationToken cancellationToken)
    {
        var span = buffer.AsMemory(0, piece.Length);
        var read = 0;
        while (read < piece.Length)
        {
            var n = await RandomAccess.ReadAsync(handle, span[read..], piece.FileOffset + read, cancellationToken);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return Convert.ToHexStringLower(XxHash128.Hash(span.Span)) == expected;
    }

    /// <summary>Removes every file, link and directory under <paramref name="dir"/> the backup does not list; never follows links.</summary>
    private static int RemoveExtra(string root, string dir, IReadOnlyDictionary<string, IndexEntry> wanted)
    {
        var removed = 0;
        foreach (var info in new DirectoryInfo(dir).EnumerateFileSystemInfos())
        {
            var relative = Path.GetRelativePath(root, info.FullName);
            var keep = wanted.TryGetValue(relative, out var entry);
            if (info.LinkTarget is not null || info is FileInfo)
            {
                if (!keep || entry!.Type == IndexEntry.Directory)
                {
                    info.Delete();
                    removed++;
                }

                continue;
            }

            if (keep && entry!.Type == IndexEntry.Directory)
            {
                removed += RemoveExtra(root, info.FullName, wanted);
            }
            else
            {
                ((DirectoryInfo)info).Delete(recursive: true);
                removed++;
            }
        }

        return removed;
    }

    private static void RemoveIfNot(string path, FileKind kind)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null)
        {
            // A link is never what a file or directory entry wants, and a link entry only asks when the target differs.
            info.Delete();
            return;
        }

        if (Directory.Exists(path) && kind != FileKind.Directory)
        {
            Directory.Delete(path, recursive: true);
        }
        else if (File.Exists(path) && kind != FileKind.File)
        {
            File.Delete(path);
        }
    }

    private static string Combine(string root, string relative)
    {
        var path = Path.GetFullPath(Path.Combine(root, relative));
        return path.StartsWith(root + "/", StringComparison.Ordinal) ? path
            : throw new InvalidDataException($"index entry '{relative}' points outside {root}");
    }

    private enum FileKind
    {
        None,
        File,
        Directory,
    }

    private sealed record FrameRange(long Offset, long Length, List<int> Frames);

    /// <summary>A piece to write from its frame: all of it, or only the given byte ranges of the file (pages).</summary>
    private sealed record StalePiece(IndexEntry Entry, IndexPiece Piece, int Hash, IReadOnlyList<(long Offset, int Length)>? Ranges);

    [LoggerMessage(EventId = 6090, Level = LogLevel.Information, Message = "Delta re-seed from backup {Id} into {Directory}: fetched {Frames} of {TotalFrames} frames, {Bytes} of {StoredBytes} stored bytes; removed {Removed} entries the backup does not have")]
    private static partial void LogReseeded(ILogger logger, string id, string directory, int frames, int totalFrames, long bytes, long storedBytes, int removed);
}
