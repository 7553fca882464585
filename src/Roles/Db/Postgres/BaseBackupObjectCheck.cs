using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Backup.Encryption;
using NodeAgent.Roles.Db.Engines;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>
/// <c>backup verify</c>'s first step on PostgreSQL (and all of it with <c>--objects-only</c>): reads a base backup and every
/// archived WAL file a restore from it could need (its timeline and later ones, from its start segment on, and every
/// history file), without restoring anything. Each object must authenticate (when encrypted), decompress, and match
/// its manifest (tar and stored SHA-256) or metadata (size, and SHA-256 when stored). The first failure is thrown
/// naming the object.
/// </summary>
public sealed class BaseBackupObjectCheck(IObjectStore store, ArchiveLayout layout, BackupCipher? cipher = null)
{
    private readonly BackupCipher _cipher = cipher ?? BackupCipher.None;

    public async Task<ObjectCheckReport> CheckAsync(string? backupId, CancellationToken cancellationToken)
    {
        var complete = await new BackupCatalog(store, layout, _cipher).CompleteAsync(cancellationToken);
        var manifest = (backupId is null ? complete.LastOrDefault() : complete.FirstOrDefault(m => m.Id == backupId))
            ?? throw new InvalidOperationException(backupId is null ? $"no complete base backup under {layout.Prefix}" : $"no complete base backup {backupId} under {layout.Prefix}");
        var key = layout.BaseTar(manifest.Id);
        var body = await store.OpenReadAsync(key, cancellationToken) ?? throw new InvalidOperationException($"{key} is missing although its manifest exists");
        await using var stored = new HashingStream(body);
        await using var plain = await _cipher.OpenReadAsync(stored, layout.Prefix, key, cancellationToken);
        await using var tar = new HashingStream(ZstdCodec.DecompressFrom(plain));
        await tar.CopyToAsync(Stream.Null, 1 << 20, cancellationToken);
        if (tar.Sha256Hex != manifest.TarSha256 || tar.BytesSeen != manifest.TarBytes)
        {
            throw new InvalidDataException($"{key}: tar has sha256 {tar.Sha256Hex} ({tar.BytesSeen} bytes), its manifest says {manifest.TarSha256} ({manifest.TarBytes} bytes)");
        }

        if (stored.Sha256Hex != manifest.StoredSha256)
        {
            throw new InvalidDataException($"{key}: stored object has sha256 {stored.Sha256Hex}, its manifest says {manifest.StoredSha256}");
        }

        var objects = 2;
        var bytes = tar.BytesSeen;
        var start = WalFileName.TryParse(manifest.StartWal, out var s) ? s! : throw new InvalidDataException($"{layout.Manifest(manifest.Id)}: start WAL '{manifest.StartWal}' is not a WAL name");
        var fetcher = new WalFetcher(store, layout, 0, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, _cipher) { SegmentSize = manifest.SegmentSize };
        var wal = await store.ListAsync(layout.WalDirectory, null, cancellationToken);
        foreach (var name in wal.Objects.Select(o => layout.WalNameOf(o.Key)).OfType<string>().Order(StringComparer.Ordinal))
        {
            if (!WalFileName.TryParse(name, out var file)
                || (file!.Kind != WalFileKind.TimelineHistory && (file.Timeline < start.Timeline || file.Position(manifest.SegmentSize) < start.Position(manifest.SegmentSize))))
            {
                continue;
            }

            var content = await fetcher.DownloadAsync(name, cancellationToken) ?? throw new InvalidOperationException($"{layout.Wal(name)} vanished while being checked");
            objects++;
            bytes += content.Length;
        }

        return new ObjectCheckReport(manifest.Id, objects, bytes);
    }
}
