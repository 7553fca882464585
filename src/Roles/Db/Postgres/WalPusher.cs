using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Backup.Encryption;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>
/// Archives one file PostgreSQL hands to archive_command: checks that it belongs to this prefix's cluster, compresses
/// it with zstd, and uploads it with its SHA-256, returning only once S3 has acknowledged the object. The archive is
/// write-once: the same bytes again succeed, different bytes under the same name fail loudly (this covers .history
/// files, which must never be overwritten). With encryption on, every file gets its own data key (and its SHA-256 is
/// not stored in the clear; a same-name check then decrypts the stored copy and compares).
/// </summary>
public sealed partial class WalPusher(IObjectStore store, ArchiveLayout layout, string dataDir, int compressionLevel, ILogger logger, BackupCipher? cipher = null)
{
    private readonly BackupCipher _cipher = cipher ?? BackupCipher.None;

    private ulong? _identityChecked;

    public async Task<WalPushResult> PushAsync(string path, CancellationToken cancellationToken)
    {
        var name = Path.GetFileName(path);
        var file = WalFileName.TryParse(name, out var parsed) ? parsed!
            : throw new ArgumentException($"{name} is not a WAL segment, .partial, .backup or .history file; refusing to archive it");
        var content = await File.ReadAllBytesAsync(path, cancellationToken);
        var (systemId, segmentSize) = Identify(file, content);
        var key = layout.Wal(name);

        var identity = EnsureIdentityAsync(systemId, segmentSize, cancellationToken);
        var head = store.HeadAsync(key, cancellationToken);
        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        var compressed = Task.Run(() => ZstdCodec.Compress(content, compressionLevel), cancellationToken);
        await identity;
        if (await head is { } existing)
        {
            await EnsureSameAsync(existing, name, sha, content, cancellationToken);
            LogAlreadyArchived(logger, name);
            return WalPushResult.AlreadyArchived;
        }

        using var sealer = await _cipher.SealerAsync(store, layout.Prefix, key, cancellationToken);
        var metadata = new Dictionary<string, string>(sealer.Metadata)
        {
            [ObjectMetadataKeys.Size] = content.Length.ToString(CultureInfo.InvariantCulture),
            [ObjectMetadataKeys.SystemIdentifier] = systemId.ToString(CultureInfo.InvariantCulture),
        };
        if (!sealer.Encrypts)
        {
            metadata[ObjectMetadataKeys.Sha256] = sha;
        }

        var options = new PutOptions { IfNoneMatch = true, Metadata = metadata };
        try
        {
            await store.PutAsync(key, sealer.Seal(await compressed), options, cancellationToken);
        }
        catch (PreconditionFailedException)
        {
            // Someone stored it between our HEAD and PUT (S3 honours If-None-Match): it must be the same file.
            var raced = await store.HeadAsync(key, cancellationToken) ?? throw new ArchiveConflictException($"{key}: conditional write failed but the object is absent");
            await EnsureSameAsync(raced, name, sha, content, cancellationToken);
            return WalPushResult.AlreadyArchived;
        }

        LogArchived(logger, name, content.Length, (await compressed).Length);
        return WalPushResult.Archived;
    }

    /// <summary>The cluster's system identifier: from the segment's own header when it has one, else from pg_control.</summary>
    private (ulong SystemId, long SegmentSize) Identify(WalFileName file, byte[] content)
    {
        ulong? control = null;
        try
        {
            control = PgControl.ReadSystemIdentifier(dataDir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (!file.HoldsWal)
            {
                throw new IOException($"cannot read the system identifier from {dataDir}/global/pg_control: {ex.Message}", ex);
            }
        }

        if (file.HoldsWal)
        {
            var header = PgControl.ReadSegmentHeader(content)
                ?? throw new InvalidDataException($"{file.Name} does not start with a WAL long page header; refusing to archive it");
            if (control is { } c && c != header.SystemIdentifier)
            {
                throw new ArchiveConflictException(
                    $"{file.Name} was written by system {header.SystemIdentifier}, but {dataDir} is system {c}; refusing to archive it");
            }

            return (header.SystemIdentifier, header.SegmentSize);
        }

        return (control!.Value, 0);
    }

    private async Task EnsureIdentityAsync(ulong systemId, long segmentSize, CancellationToken cancellationToken)
    {
        if (_identityChecked == systemId)
        {
            return;
        }

        var stored = await store.GetAsync(layout.Identity, DocumentLimits.Manifest, cancellationToken);
        if (stored is null)
        {
            var identity = new ArchiveIdentity
            {
                SystemIdentifier = systemId.ToString(CultureInfo.InvariantCulture),
                SegmentSize = segmentSize,
                Created = DateTimeOffset.UtcNow,
            };
            try
            {
                using var sealer = await _cipher.SealerAsync(store, layout.Prefix, layout.Identity, cancellationToken);
                await store.PutAsync(layout.Identity, sealer.Seal(identity.ToJsonBytes()), new PutOptions
                {
                    ContentType = sealer.Encrypts ? "application/octet-stream" : "application/json",
                    Metadata = sealer.Metadata,
                    IfNoneMatch = true,
                }, cancellationToken);
                LogClaimed(logger, layout.Prefix, systemId);
            }
            catch (PreconditionFailedException)
            {
                stored = await store.GetAsync(layout.Identity, DocumentLimits.Manifest, cancellationToken);
            }
        }

        if (stored is not null)
        {
            var owner = ArchiveIdentity.Parse(await _cipher.OpenAsync(stored.Content, layout.Prefix, layout.Identity, cancellationToken), layout.Identity);
            if (owner.SystemId != systemId)
            {
                throw new ArchiveConflictException(
                    $"archive prefix {layout.Prefix} belongs to PostgreSQL system {owner.SystemIdentifier}, this cluster is system {systemId}: "
                    + "two clusters must not share a prefix (set db.backup.prefix)");
            }
        }

        _identityChecked = systemId;
    }

    private async Task EnsureSameAsync(ObjectInfo existing, string name, string sha, byte[] content, CancellationToken cancellationToken)
    {
        if (existing.Metadata.TryGetValue(ObjectMetadataKeys.Sha256, out var storedSha))
        {
            if (!string.Equals(storedSha, sha, StringComparison.OrdinalIgnoreCase))
            {
                throw new ArchiveConflictException(
                    $"{name} is already archived with different content (stored sha256 {storedSha}, this file {sha}); refusing to overwrite it");
            }

            return;
        }

        // No checksum recorded (written by something else): compare the content itself.
        var stored = await store.GetAsync(existing.Key, cancellationToken) ?? throw new ArchiveConflictException($"{existing.Key} vanished while being compared");
        var bytes = ZstdCodec.Decompress(await _cipher.OpenAsync(stored.Content, layout.Prefix, existing.Key, cancellationToken), content.Length);
        if (!bytes.AsSpan().SequenceEqual(content))
        {
            throw new ArchiveConflictException($"{name} is already archived with different content; refusing to overwrite it");
        }
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Archived {Name}: {Bytes} bytes, {Compressed} compressed")]
    private static partial void LogArchived(ILogger logger, string name, long bytes, long compressed);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "{Name} is already archived with the same content")]
    private static partial void LogAlreadyArchived(ILogger logger, string name);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "Archive prefix {Prefix} now belongs to system {SystemId}")]
    private static partial void LogClaimed(ILogger logger, string prefix, ulong systemId);
}
