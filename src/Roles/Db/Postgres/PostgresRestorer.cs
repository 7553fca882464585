using System.Formats.Tar;
using System.Text;
using Microsoft.Extensions.Logging;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Backup.Encryption;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>
/// Restores a base backup into a new data directory, streaming S3 → zstd → tar with no temp file and checking both
/// the stored and the tar SHA-256 against the manifest, then writes the recovery settings (restore_command, the
/// target, <c>recovery_target_timeline = latest</c>, promote) into postgresql.auto.conf and creates recovery.signal.
/// Starting PostgreSQL on the directory then replays the archived WAL up to the target. On any failure the directory
/// is emptied again: nothing half-restored is left to start by mistake.
/// </summary>
public sealed partial class PostgresRestorer(IObjectStore store, ArchiveLayout layout, ILogger logger, BackupCipher? cipher = null)
{
    private readonly BackupCipher _cipher = cipher ?? BackupCipher.None;

    public async Task<BaseBackupManifest> ChooseAsync(string? backupId, RecoveryTarget target, CancellationToken cancellationToken)
    {
        var complete = await new BackupCatalog(store, layout, _cipher).CompleteAsync(cancellationToken);
        if (complete.Count == 0)
        {
            throw new InvalidOperationException($"no complete base backup under {layout.Prefix}");
        }

        if (backupId is not null)
        {
            var chosen = complete.FirstOrDefault(m => m.Id == backupId)
                ?? throw new InvalidOperationException($"no complete base backup {backupId} under {layout.Prefix}");
            return target.CanStartFrom(chosen) ? chosen
                : throw new InvalidOperationException($"backup {backupId} ended after the target {target}; choose an earlier backup");
        }

        return complete.LastOrDefault(target.CanStartFrom)
            ?? throw new InvalidOperationException(
                $"no base backup ended before the target {target}; the oldest kept backup {complete[0].Id} ended at {complete[0].StopTime:u} ({complete[0].StopLsn})");
    }

    public async Task<BaseBackupManifest> RestoreAsync(RestoreRequest request, CancellationToken cancellationToken)
    {
        var manifest = await ChooseAsync(request.BackupId, request.Target, cancellationToken);
        var dir = Path.GetFullPath(request.TargetDirectory);
        if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
        {
            throw new InvalidOperationException($"{dir} is not empty; restore needs an empty or new directory");
        }

        Directory.CreateDirectory(dir);
        UnixModes.Set(dir, UnixModes.PrivateDirectory);
        LogRestoring(logger, manifest.Id, dir, request.Target.ToString());
        try
        {
            await ExtractAsync(manifest, dir, cancellationToken);
            Directory.CreateDirectory(Path.Combine(dir, "pg_wal", "archive_status"));
            await WriteRecoverySettingsAsync(dir, manifest, request, cancellationToken);
            if (request.Owner is { } owner && PosixOwnership.IsRoot)
            {
                PosixOwnership.ChownTree(dir, owner.Uid, owner.Gid);
            }
        }
        catch
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(dir))
            {
                if (Directory.Exists(entry) && new DirectoryInfo(entry).LinkTarget is null)
                {
                    Directory.Delete(entry, recursive: true);
                }
                else
                {
                    File.Delete(entry);
                }
            }

            throw;
        }

        return manifest;
    }

    private async Task ExtractAsync(BaseBackupManifest manifest, string dir, CancellationToken cancellationToken)
    {
        var key = layout.BaseTar(manifest.Id);
        await using var body = await store.OpenReadAsync(key, cancellationToken)
            ?? throw new InvalidOperationException($"{key} is missing although its manifest exists");
        await using var stored = new HashingStream(body, leaveOpen: true);
        var plain = await _cipher.OpenReadAsync(stored, layout.Prefix, key, cancellationToken);
        await using var tar = new HashingStream(ZstdCodec.DecompressFrom(plain));
        await using (var reader = new TarReader(tar, leaveOpen: true))
        {
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
            {
                await ExtractEntryAsync(entry, dir, cancellationToken);
            }
        }

        // Read past the end-of-archive blocks so both checksums cover every byte.
        await tar.CopyToAsync(Stream.Null, cancellationToken);
        if (tar.Sha256Hex != manifest.TarSha256 || tar.BytesSeen != manifest.TarBytes)
        {
            throw new InvalidDataException($"{key}: restored tar has sha256 {tar.Sha256Hex} ({tar.BytesSeen} bytes), manifest says {manifest.TarSha256} ({manifest.TarBytes} bytes)");
        }

        if (stored.Sha256Hex != manifest.StoredSha256)
        {
            throw new InvalidDataException($"{key}: stored object has sha256 {stored.Sha256Hex}, manifest says {manifest.StoredSha256}");
        }
    }

    private static async Task ExtractEntryAsync(TarEntry entry, string dir, CancellationToken cancellationToken)
    {
        var name = entry.Name.TrimStart('.', '/');
        if (name.Length == 0)
        {
            return;
        }

        var path = Path.GetFullPath(Path.Combine(dir, name));
        if (!path.StartsWith(dir + "/", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"tar entry '{entry.Name}' points outside the target directory");
        }

        var mode = (UnixFileMode)((int)entry.Mode & 0x1FF);
        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                Directory.CreateDirectory(path);
                UnixModes.Set(path, mode | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                break;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await using (var file = UnixModes.Create(path, mode | UnixFileMode.UserRead | UnixFileMode.UserWrite))
                {
                    if (entry.DataStream is { } data)
                    {
                        await data.CopyToAsync(file, 1 << 20, cancellationToken);
                    }
                }

                break;
            case TarEntryType.SymbolicLink:
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.CreateSymbolicLink(path, entry.LinkName);
                break;
            default:
                throw new InvalidDataException($"tar entry '{entry.Name}' has unsupported type {entry.EntryType}");
        }
    }

    private static async Task WriteRecoverySettingsAsync(string dir, BaseBackupManifest manifest, RestoreRequest request, CancellationToken cancellationToken)
    {
        if (request.Standby)
        {
            await File.WriteAllBytesAsync(Path.Combine(dir, "standby.signal"), [], cancellationToken);
            return;
        }

        var text = new StringBuilder();
        text.Append('\n').Append($"# nodeagent backup restore {manifest.Id}, target {request.Target}\n");
        text.Append($"restore_command = {Literal(request.RestoreCommand)}\n");
        foreach (var (name, value) in request.Target.Settings())
        {
            var setting = name == "recovery_target_timeline" && request.Timeline is { } timeline ? timeline.ToString(System.Globalization.CultureInfo.InvariantCulture) : value;
            text.Append($"{name} = {Literal(setting)}\n");
        }

        await File.AppendAllTextAsync(Path.Combine(dir, "postgresql.auto.conf"), text.ToString(), cancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(dir, "recovery.signal"), [], cancellationToken);
    }

    private static string Literal(string value) => $"'{value.Replace("'", "''", StringComparison.Ordinal)}'";

    [LoggerMessage(EventId = 6050, Level = LogLevel.Information, Message = "Restoring base backup {Id} into {Directory}, target {Target}")]
    private static partial void LogRestoring(ILogger logger, string id, string directory, string target);
}
