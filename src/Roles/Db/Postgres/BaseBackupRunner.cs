using System.Text;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Processes;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Backup.Encryption;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Postgres.Reseed;
using NodeAgent.Status;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>
/// Takes a full base backup: <c>pg_basebackup -D - -F t -X none</c> streams a tar to our stdin pipe, which is hashed,
/// zstd-compressed and cut into the parts of one S3 multipart upload as it arrives, with no temp file. The part size
/// comes from the database size so the stream stays under 10,000 parts. When pg_basebackup ends (the server has by
/// then archived the stop segment), the backup's whole WAL range is checked in the archive, and only then is the
/// manifest written: a backup without a manifest does not exist for restore or retention. On the way, the tar is
/// indexed (<see cref="TarIndexer"/>: each file's pieces and their hashes, each frame's place in the object) and the
/// index is stored next to the backup, so a replica can later fetch only the frames it lacks.
/// </summary>
public sealed partial class BaseBackupRunner(
    IObjectStore store,
    ArchiveLayout layout,
    PostgresClient client,
    IProcessRunner processes,
    PostgreSqlConfig config,
    int compressionLevel,
    TimeSpan walTimeout,
    TimeProvider time,
    ILogger logger,
    BackupCipher? cipher = null)
{
    private readonly BackupCipher _cipher = cipher ?? BackupCipher.None;

    public async Task<BaseBackupManifest> RunAsync(CancellationToken cancellationToken)
    {
        var facts = await client.FactsAsync(cancellationToken);
        var id = BackupIds.New(time);
        var label = $"nodeagent {id}";
        var partSize = PartSizePolicy.Initial(facts.DatabaseBytes);
        var started = time.GetUtcNow();
        LogStarting(logger, id, facts.DatabaseBytes, partSize);

        BackupLabel backupLabel;
        string tarSha;
        long tarBytes;
        ObjectInfo stored;
        string storedSha;
        int parts;
        BackupIndex? index = null;
        using var sealer = await _cipher.SealerAsync(store, layout.Prefix, layout.BaseTar(id), cancellationToken);
        await using (var upload = new MultipartUploadStream(
            await store.StartMultipartUploadAsync(layout.BaseTar(id), new PutOptions { ContentType = sealer.Encrypts ? "application/octet-stream" : "application/zstd", Metadata = sealer.Metadata }, cancellationToken),
            partSize, inFlight: 2, cancellationToken))
        {
            // The delta re-seed index maps tar files to zstd frames at their offsets in the stored object. An encrypted
            // backup stores sealed chunks, not frames, and an index in the clear would list every file with its hash:
            // encrypted backups have no index, and a replica re-seeds from them with a full restore (docs/replication.md).
            var sealing = sealer.Wrap(upload);
            var frames = new List<long[]>();
            long storedOffset = 0;
            var compressor = new ParallelZstdStream(sealing, compressionLevel, Math.Clamp(Environment.ProcessorCount, 1, 4), onFrame: (_, compressed) =>
            {
                frames.Add([storedOffset, compressed]);
                storedOffset += compressed;
            });
            var indexer = sealer.Encrypts ? null : new TarIndexer(compressor, ParallelZstdStream.DefaultBlockSize);
            var tar = new HashingStream(indexer ?? (Stream)compressor, leaveOpen: true, captureHead: 8192);
            var environment = new Dictionary<string, string?> { ["PGAPPNAME"] = "nodeagent-basebackup" };
            if (config.Password is { } password)
            {
                environment["PGPASSWORD"] = password.Reveal();
            }

            await processes.RunAsync(new ProcessSpec(Path.Combine(config.BinDir, "pg_basebackup"),
            [
                "--host", config.Host, "--port", config.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--username", config.User, "--no-password",
                "--pgdata", "-", "--format", "tar", "--wal-method", "none", "--checkpoint", "fast", "--label", label,
            ])
            {
                Environment = environment,
                StandardOutput = tar,
            }, cancellationToken);

            await tar.FlushAsync(cancellationToken);
            await compressor.DisposeAsync();
            await ObjectSealer.FinishAsync(sealing, cancellationToken);
            backupLabel = BackupLabel.FromTarHead(tar.Head);
            tarSha = tar.Sha256Hex;
            tarBytes = tar.BytesSeen;
            await tar.DisposeAsync();
            index = indexer?.Build(id, frames);
            if (indexer?.Problem is { } problem)
            {
                LogNoIndex(logger, id, problem);
            }

            stored = await upload.CompleteAsync(cancellationToken);
            storedSha = upload.Sha256Hex;
            parts = upload.Parts;
        }

        var finished = time.GetUtcNow();
        var historyName = $"{WalFileName.ForLsn(backupLabel.Timeline, backupLabel.Start, facts.SegmentSize).Name}.{backupLabel.Start.Value % (ulong)facts.SegmentSize:X8}.backup";
        var history = await WaitForHistoryAsync(historyName, cancellationToken);
        var stop = history.Stop ?? throw new InvalidDataException($"{historyName} has no STOP WAL LOCATION");
        var startWal = WalFileName.ForLsn(backupLabel.Timeline, backupLabel.Start, facts.SegmentSize);
        var stopWal = WalFileName.ForLsn(backupLabel.Timeline, stop, facts.SegmentSize);
        await WaitForSegmentsAsync(startWal, stopWal, facts.SegmentSize, cancellationToken);

        (long Bytes, string Sha)? storedIndex = null;
        if (index is not null)
        {
            var compressed = ZstdCodec.Compress(index.ToJsonBytes(), compressionLevel);
            await store.PutAsync(layout.Index(id), compressed, new PutOptions { ContentType = "application/zstd" }, cancellationToken);
            storedIndex = (compressed.Length, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(compressed)));
        }

        var manifest = new BaseBackupManifest
        {
            Id = id,
            Label = label,
            SystemIdentifier = facts.SystemIdentifier.ToString(System.Globalization.CultureInfo.InvariantCulture),
            PgVersionNum = facts.VersionNum,
            SegmentSize = facts.SegmentSize,
            Timeline = backupLabel.Timeline,
            StartLsn = backupLabel.Start.ToString(),
            StopLsn = stop.ToString(),
            StartWal = startWal.Name,
            StopWal = stopWal.Name,
            BackupHistoryFile = historyName,
            StartTime = started,
            StopTime = finished,
            TarBytes = tarBytes,
            TarSha256 = tarSha,
            StoredBytes = stored.Size,
            StoredSha256 = storedSha,
            Parts = parts,
            PartSize = partSize,
            CompressionLevel = compressionLevel,
            AgentVersion = AgentVersion.Value,
            IndexBytes = storedIndex?.Bytes,
            IndexSha256 = storedIndex?.Sha,
        };
        using (var manifestSealer = await _cipher.SealerAsync(store, layout.Prefix, layout.Manifest(id), cancellationToken))
        {
            await store.PutAsync(layout.Manifest(id), manifestSealer.Seal(manifest.ToJsonBytes()), new PutOptions
            {
                ContentType = manifestSealer.Encrypts ? "application/octet-stream" : "application/json",
                Metadata = manifestSealer.Metadata,
            }, cancellationToken);
        }

        LogCompleted(logger, id, tarBytes, stored.Size, (finished - started).TotalSeconds, manifest.StartWal, manifest.StopWal);
        return manifest;
    }

    private async Task<BackupLabel> WaitForHistoryAsync(string name, CancellationToken cancellationToken)
    {
        var fetcher = new WalFetcher(store, layout, 0, logger, _cipher);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(walTimeout);
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                if (await fetcher.DownloadAsync(name, timeout.Token) is { } content)
                {
                    return BackupLabel.Parse(Encoding.UTF8.GetString(content));
                }

                await Task.Delay(delay, time, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"backup history file {name} did not reach the archive within {walTimeout}; is archive_command 'nodeagent wal-push' and archive_mode on?");
            }

            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
        }
    }

    private async Task WaitForSegmentsAsync(WalFileName first, WalFileName last, long segmentSize, CancellationToken cancellationToken)
    {
        var missing = new List<string>();
        for (var w = first; w.Position(segmentSize) <= last.Position(segmentSize); w = w.Next(segmentSize))
        {
            missing.Add(w.Name);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(walTimeout);
        var delay = TimeSpan.FromMilliseconds(100);
        try
        {
            while (missing.Count > 0)
            {
                var heads = await Task.WhenAll(missing.Select(async n => (Name: n, Info: await store.HeadAsync(layout.Wal(n), timeout.Token))));
                missing = heads.Where(h => h.Info is null).Select(h => h.Name).ToList();
                if (missing.Count > 0)
                {
                    await Task.Delay(delay, time, timeout.Token);
                    delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"WAL {string.Join(", ", missing)} needed by the backup did not reach the archive within {walTimeout}");
        }
    }

    [LoggerMessage(EventId = 6042, Level = LogLevel.Warning, Message = "Base backup {Id} has no file index ({Problem}); a replica re-seeded from it fetches the whole backup")]
    private static partial void LogNoIndex(ILogger logger, string id, string problem);

    [LoggerMessage(EventId = 6040, Level = LogLevel.Information, Message = "Base backup {Id} starting: databases {Bytes} bytes, part size {PartSize}")]
    private static partial void LogStarting(ILogger logger, string id, long bytes, long partSize);

    [LoggerMessage(EventId = 6041, Level = LogLevel.Information, Message = "Base backup {Id} complete: {TarBytes} bytes, {StoredBytes} stored, {Seconds:0.0} s, WAL {StartWal}..{StopWal}")]
    private static partial void LogCompleted(ILogger logger, string id, long tarBytes, long storedBytes, double seconds, string startWal, string stopWal);
}
