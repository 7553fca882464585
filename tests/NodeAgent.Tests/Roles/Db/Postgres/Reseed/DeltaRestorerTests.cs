using System.Formats.Tar;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Postgres;
using NodeAgent.Roles.Db.Postgres.Reseed;
using NodeAgent.Storage;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Db.Postgres.Reseed;

/// <summary>
/// The backup index (<see cref="TarIndexer"/>) and the delta re-seed (<see cref="DeltaRestorer"/>) against the local S3
/// server, on a tar made like pg_basebackup's (ustar), compressed in small frames so a few files span many.
/// </summary>
public sealed class DeltaRestorerTests
{
    private const int FrameSize = 64 << 10;

    [Fact]
    public async Task DeltaRestore_IntoAnEmptyDirectory_WritesTheBackup_ThenFetchesNothingWhenNothingChanged()
    {
        await using var backup = await IndexedBackup.CreateAsync(Files());
        using var dir = new TempDir("nodeagent-delta");
        var data = dir.Combine("data");

        var first = await backup.Restorer().RestoreAsync(backup.Manifest, data, null, trustPageLsns: true, CancellationToken.None);
        var second = await backup.Restorer().RestoreAsync(backup.Manifest, data, null, trustPageLsns: true, CancellationToken.None);

        AssertSame(Files(), data);
        Assert.Equal(first.FramesTotal, first.FramesFetched);
        Assert.Equal(backup.Manifest.StoredBytes, first.BytesFetched);
        Assert.Equal(0, second.FramesFetched);
        Assert.Equal(0, second.BytesFetched);
    }

    [Fact]
    public async Task DeltaRestore_ComparingByHash_FetchesOnlyTheFramesOfChangedPieces_RemovesExtras_AndRestoresMissing()
    {
        await using var backup = await IndexedBackup.CreateAsync(Files());
        using var dir = new TempDir("nodeagent-delta");
        var data = dir.Combine("data");
        await backup.Restorer().RestoreAsync(backup.Manifest, data, null, trustPageLsns: false, CancellationToken.None);
        var big = Path.Combine(data, "base", "5", "16384");
        await using (var file = new FileStream(big, FileMode.Open))
        {
            file.Position = 300_000;
            file.WriteByte(0xFF);
        }

        File.Delete(Path.Combine(data, "global", "pg_control"));
        File.WriteAllText(Path.Combine(data, "postmaster.pid"), "12345");
        Directory.CreateDirectory(Path.Combine(data, "pg_wal", "leftover"));
        File.WriteAllBytes(Path.Combine(data, "pg_wal", "000000010000000000000009"), new byte[100]);

        var report = await backup.Restorer().RestoreAsync(backup.Manifest, data, null, trustPageLsns: false, CancellationToken.None);

        AssertSame(Files(), data);
        Assert.Equal(2, report.FramesFetched);
        Assert.True(report.BytesFetched < backup.Manifest.StoredBytes / 4, $"{report.BytesFetched} of {backup.Manifest.StoredBytes}");
        Assert.Equal(3, report.EntriesRemoved);
    }

    [Fact]
    public async Task DeltaRestore_ComparingRelationPagesByLsn_FetchesOnlyPagesWithAnOlderLsn_AndKeepsHintBitOnlyDifferences()
    {
        var files = Files();
        var relation = new byte[80 * IndexEntry.PageSize];
        new Random(7).NextBytes(relation);
        for (var page = 0; page < 80; page++)
        {
            SetLsn(relation, page, page == 70 ? 5000UL : (ulong)page + 1);
        }

        files["base/5/16384"] = relation;
        await using var backup = await IndexedBackup.CreateAsync(files, startLsn: "0/3E8");
        using var dir = new TempDir("nodeagent-delta");
        var data = dir.Combine("data");
        await backup.Restorer().RestoreAsync(backup.Manifest, data, null, trustPageLsns: true, CancellationToken.None);
        var path = Path.Combine(data, "base", "5", "16384");
        var local = File.ReadAllBytes(path);
        SetLsn(local, 10, 0);
        local[(20 * IndexEntry.PageSize) + 100] ^= 0xFF;
        SetLsn(local, 70, 4000);
        File.WriteAllBytes(path, local);

        var report = await backup.Restorer().RestoreAsync(backup.Manifest, data, null, trustPageLsns: true, CancellationToken.None);

        var after = File.ReadAllBytes(path);
        Assert.Equal(relation.AsSpan(10 * IndexEntry.PageSize, IndexEntry.PageSize).ToArray(), after.AsSpan(10 * IndexEntry.PageSize, IndexEntry.PageSize).ToArray());
        Assert.Equal(local.AsSpan(20 * IndexEntry.PageSize, IndexEntry.PageSize).ToArray(), after.AsSpan(20 * IndexEntry.PageSize, IndexEntry.PageSize).ToArray());
        Assert.Equal(local.AsSpan(70 * IndexEntry.PageSize, IndexEntry.PageSize).ToArray(), after.AsSpan(70 * IndexEntry.PageSize, IndexEntry.PageSize).ToArray());
        Assert.Equal(1, report.FramesFetched);
        Assert.Equal(79, report.PagesKept);
    }

    [Fact]
    public async Task DeltaRestore_RefusesAnIndexThatDoesNotMatchItsManifest()
    {
        await using var backup = await IndexedBackup.CreateAsync(Files());
        using var dir = new TempDir("nodeagent-delta");
        var tampered = backup.Manifest with { IndexSha256 = new string('0', 64) };

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => backup.Restorer().RestoreAsync(tampered, dir.Combine("data"), null, trustPageLsns: true, CancellationToken.None));

        Assert.Contains("does not match the sha256", error.Message);
    }

    [Theory]
    [InlineData("../escape", "not a safe relative path")]
    [InlineData("/etc/passwd", "not a safe relative path")]
    [InlineData("base/./1", "not a safe relative path")]
    public void Validate_RefusesEntriesOutsideTheDataDirectory(string path, string expected)
    {
        var manifest = Manifest(100, 10);
        var index = new BackupIndex
        {
            BackupId = manifest.Id, FrameSize = FrameSize, TarBytes = 100, Frames = [[0, 10]],
            Entries = [new IndexEntry { Path = path, Type = IndexEntry.File, Size = 1, Offset = 0, Hashes = ["00"] }],
        };

        var error = Assert.Throws<InvalidDataException>(() => index.Validate(manifest, "index"));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Validate_RefusesFramesThatDoNotCoverTheStoredObject()
    {
        var manifest = Manifest(100, 10);
        var index = new BackupIndex { BackupId = manifest.Id, FrameSize = FrameSize, TarBytes = 100, Frames = [[0, 9]], Entries = [] };

        var error = Assert.Throws<InvalidDataException>(() => index.Validate(manifest, "index"));

        Assert.Contains("frames cover 9 stored bytes", error.Message);
    }

    [Fact]
    public void TarIndexer_WithAHeaderItDoesNotDescribe_MakesNoIndex()
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "a") { DataStream = new MemoryStream([1, 2, 3]) });
        }

        var indexer = new TarIndexer(Stream.Null, FrameSize);
        indexer.Write(tar.ToArray());

        Assert.Null(indexer.Build("x", []));
        Assert.Contains("type 'x'", indexer.Problem);
    }

    private static void SetLsn(byte[] file, int page, ulong lsn)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(page * IndexEntry.PageSize), (uint)(lsn >> 32));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan((page * IndexEntry.PageSize) + 4), (uint)lsn);
    }

    private static BaseBackupManifest Manifest(long tarBytes, long storedBytes, string startLsn = "0/0") => new()
    {
        Id = "20260101T000000000Z", Label = "l", SystemIdentifier = "1", StartLsn = startLsn, StopLsn = "0/0", StartWal = "a", StopWal = "a",
        BackupHistoryFile = "h", TarSha256 = "t", StoredSha256 = "s", TarBytes = tarBytes, StoredBytes = storedBytes,
    };

    private static Dictionary<string, byte[]> Files()
    {
        var random = new Random(42);
        byte[] Bytes(int n)
        {
            var b = new byte[n];
            random.NextBytes(b);
            return b;
        }

        return new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["PG_VERSION"] = "15\n"u8.ToArray(),
            ["global/pg_control"] = Bytes(8192),
            ["base/5/16384"] = Bytes(640 * 1024),
            ["base/5/16385"] = Bytes(100),
            ["base/5/empty"] = [],
            ["pg_xact/0000"] = Bytes(70 * 1024),
            [new string('d', 90) + "/" + new string('f', 60)] = Bytes(10),
        };
    }

    private static void AssertSame(Dictionary<string, byte[]> files, string dir)
    {
        foreach (var (path, content) in files)
        {
            Assert.True(File.Exists(Path.Combine(dir, path)), $"{path} is missing");
            Assert.Equal(SHA256.HashData(content), SHA256.HashData(File.ReadAllBytes(Path.Combine(dir, path))));
        }

        var present = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f)).Order().ToList();
        Assert.Equal(files.Keys.Order().ToList(), present);
        Assert.True(Directory.Exists(Path.Combine(dir, "pg_wal")));
    }

    /// <summary>A backup written the way BaseBackupRunner writes one: tar → indexer → frames → S3, index and manifest next to it.</summary>
    private sealed class IndexedBackup : IAsyncDisposable
    {
        private readonly ServiceProviderHolder _services;

        private IndexedBackup(ServiceProviderHolder services, IObjectStore store, ArchiveLayout layout, BaseBackupManifest manifest)
        {
            _services = services;
            Store = store;
            Layout = layout;
            Manifest = manifest;
        }

        public IObjectStore Store { get; }

        public ArchiveLayout Layout { get; }

        public BaseBackupManifest Manifest { get; }

        public DeltaRestorer Restorer() => new(Store, Layout, NullLogger.Instance);

        public static async Task<IndexedBackup> CreateAsync(Dictionary<string, byte[]> files, string startLsn = "0/0")
        {
            var stack = await LocalStack.Shared();
            var bucket = await stack.CreateBucketAsync("delta");
            var services = new ServiceProviderHolder(stack.Services(bucket));
            var store = stack.Store(services.Provider);
            var layout = new ArchiveLayout($"t/{Guid.NewGuid():N}");
            using var tar = new MemoryStream();
            using (var writer = new TarWriter(tar, TarEntryFormat.Ustar, leaveOpen: true))
            {
                foreach (var dir in new[] { "base", "base/5", "global", "pg_wal", "pg_xact", new string('d', 90) })
                {
                    writer.WriteEntry(new UstarTarEntry(TarEntryType.Directory, dir + "/") { Mode = (UnixFileMode)0x1C0 });
                }

                foreach (var (path, content) in files)
                {
                    writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, path) { DataStream = new MemoryStream(content), Mode = (UnixFileMode)0x180 });
                }
            }

            var frames = new List<long[]>();
            long offset = 0;
            using var stored = new MemoryStream();
            var compressor = new ParallelZstdStream(stored, 1, 2, FrameSize, (_, c) => { frames.Add([offset, c]); offset += c; });
            var indexer = new TarIndexer(compressor, FrameSize);
            await indexer.WriteAsync(tar.ToArray());
            await compressor.DisposeAsync();
            var id = "20260101T000000000Z";
            var index = indexer.Build(id, frames) ?? throw new InvalidOperationException(indexer.Problem);
            var indexBytes = ZstdCodec.Compress(index.ToJsonBytes(), 1);
            await store.PutAsync(layout.BaseTar(id), stored.ToArray(), null, CancellationToken.None);
            await store.PutAsync(layout.Index(id), indexBytes, null, CancellationToken.None);
            var manifest = DeltaRestorerTests.Manifest(tar.Length, stored.Length, startLsn) with
            {
                Id = id,
                IndexBytes = indexBytes.Length,
                IndexSha256 = Convert.ToHexStringLower(SHA256.HashData(indexBytes)),
            };
            return new IndexedBackup(services, store, layout, manifest);
        }

        public ValueTask DisposeAsync() => _services.Provider.DisposeAsync();
    }

    private sealed record ServiceProviderHolder(Microsoft.Extensions.DependencyInjection.ServiceProvider Provider);
}
