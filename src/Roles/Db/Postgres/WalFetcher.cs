using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Backup.Encryption;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>
/// Restores one archived file for restore_command, verifying its SHA-256, and keeps a window of the following segments
/// downloaded ahead in <c>pg_wal/.nodeagent-prefetch</c>, so recovery replays from local disk instead of paying one
/// S3 round trip (and one process start) per segment. Prefetched files are verified before they are written and moved
/// into place with rename(2); stale ones (older or on another timeline) are removed.
/// </summary>
public sealed partial class WalFetcher(IObjectStore store, ArchiveLayout layout, int prefetch, ILogger logger, BackupCipher? cipher = null)
{
    private readonly BackupCipher _cipher = cipher ?? BackupCipher.None;

    public const string PrefetchDirectoryName = ".nodeagent-prefetch";

    /// <summary>Segment size assumed for naming the next segments; PostgreSQL's default and what initdb uses unless told.</summary>
    public long SegmentSize { get; init; } = 16L << 20;

    /// <summary>
    /// The agent serving restore_command over its socket: answer as soon as the asked-for file is in place and refill
    /// the prefetch window afterwards (one refill at a time), instead of before answering as a short-lived process must.
    /// </summary>
    public bool PrefetchInBackground { get; init; }

    /// <summary>Called for each file and directory this fetcher creates (the agent, as root, hands them to the database's OS user).</summary>
    public Action<string>? OnCreated { get; init; }

    private readonly SemaphoreSlim _topUp = new(1, 1);

    public async Task<WalFetchResult> FetchAsync(string name, string destination, CancellationToken cancellationToken)
    {
        var file = WalFileName.TryParse(name, out var parsed) ? parsed!
            : throw new ArgumentException($"{name} is not a WAL segment, .partial, .backup or .history file name");
        destination = Path.GetFullPath(destination);
        var prefetchDir = Path.Combine(Path.GetDirectoryName(destination)!, PrefetchDirectoryName);
        var local = Path.Combine(prefetchDir, name);

        WalFetchResult result;
        if (File.Exists(local))
        {
            File.Move(local, destination, overwrite: true);
            result = WalFetchResult.Prefetched;
        }
        else
        {
            var content = await DownloadAsync(name, cancellationToken);
            if (content is null)
            {
                return WalFetchResult.NotFound;
            }

            await WriteAtomicallyAsync(destination, content, cancellationToken);
            result = WalFetchResult.Fetched;
        }

        if (file.Kind == WalFileKind.Segment && prefetch > 0)
        {
            if (!PrefetchInBackground)
            {
                await TopUpAsync(file, prefetchDir, cancellationToken);
            }
            else if (_topUp.Wait(0))
            {
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await TopUpAsync(file, prefetchDir, CancellationToken.None);
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        LogPrefetchFailed(logger, file.Name, ex);
                    }
                    finally
                    {
                        _topUp.Release();
                    }
                }, CancellationToken.None);
            }
        }

        LogFetched(logger, name, result);
        return result;
    }

    /// <summary>The verified content of an archived file, or null when the archive does not have it.</summary>
    public async Task<byte[]?> DownloadAsync(string name, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(layout.Wal(name), cancellationToken);
        if (stored is null)
        {
            return null;
        }

        var key = layout.Wal(name);
        var meta = stored.Info.Metadata;
        var encrypted = BackupCipher.IsEncrypted(stored.Content);
        string? sha = null;
        if (!meta.TryGetValue(ObjectMetadataKeys.Size, out var sizeText) || !long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            || (!meta.TryGetValue(ObjectMetadataKeys.Sha256, out sha) && !encrypted))
        {
            throw new InvalidDataException($"{key} has no size/sha256 metadata; it was not written by wal-push");
        }

        // Encrypted: every chunk is authenticated (AES-GCM), which is the integrity check; plaintext: the SHA-256.
        var content = ZstdCodec.Decompress(await _cipher.OpenAsync(stored.Content, layout.Prefix, key, cancellationToken), size);
        if (sha is not null)
        {
            var actual = Convert.ToHexStringLower(SHA256.HashData(content));
            if (!string.Equals(actual, sha, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidDataException($"{key} is corrupt: sha256 {actual}, expected {sha}");
            }
        }

        return content;
    }

    /// <summary>Keeps the next <c>prefetch</c> segments local: refills the window once half of it has been used.</summary>
    private async Task TopUpAsync(WalFileName current, string prefetchDir, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(prefetchDir))
        {
            Directory.CreateDirectory(prefetchDir);
            OnCreated?.Invoke(prefetchDir);
        }

        RemoveStale(current, prefetchDir);
        var window = new List<WalFileName>();
        var next = current;
        for (var i = 0; i < prefetch; i++)
        {
            next = next.Next(SegmentSize);
            window.Add(next);
        }

        var present = window.TakeWhile(w => File.Exists(Path.Combine(prefetchDir, w.Name))).Count();
        if (present >= (prefetch + 1) / 2)
        {
            return;
        }

        var missing = window.Where(w => !File.Exists(Path.Combine(prefetchDir, w.Name))).ToList();
        await Parallel.ForEachAsync(missing, new ParallelOptions { MaxDegreeOfParallelism = prefetch, CancellationToken = cancellationToken }, async (w, ct) =>
        {
            try
            {
                var content = await DownloadAsync(w.Name, ct);
                if (content is not null)
                {
                    await WriteAtomicallyAsync(Path.Combine(prefetchDir, w.Name), content, ct);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Prefetch is an optimisation: the segment is fetched (and any error reported) when PostgreSQL asks for it.
                LogPrefetchFailed(logger, w.Name, ex);
            }
        });
    }

    private void RemoveStale(WalFileName current, string prefetchDir)
    {
        foreach (var path in Directory.EnumerateFiles(prefetchDir))
        {
            var name = Path.GetFileName(path);
            if (!WalFileName.TryParse(name, out var f) || f!.Kind != WalFileKind.Segment
                || f.Timeline != current.Timeline || f.Position(SegmentSize) <= current.Position(SegmentSize))
            {
                File.Delete(path);
            }
        }
    }

    private async Task WriteAtomicallyAsync(string path, byte[] content, CancellationToken cancellationToken)
    {
        var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            await File.WriteAllBytesAsync(temp, content, cancellationToken);
            OnCreated?.Invoke(temp);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    [LoggerMessage(EventId = 6010, Level = LogLevel.Information, Message = "Restored {Name} ({Result})")]
    private static partial void LogFetched(ILogger logger, string name, WalFetchResult result);

    [LoggerMessage(EventId = 6011, Level = LogLevel.Debug, Message = "Prefetch of {Name} failed; it will be fetched when needed")]
    private static partial void LogPrefetchFailed(ILogger logger, string name, Exception exception);
}
