using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Processes;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Backup.Encryption;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.MariaDb;

/// <summary>
/// A logical dump streamed to S3 with no local file: <c>mariadb-dump --single-transaction</c> writes SQL to our pipe,
/// which is hashed, zstd-compressed and uploaded as the parts of one multipart object as it arrives. With binary
/// logging on, the dump also flushes the logs and records its binlog position (<c>--master-data=2</c>), so every
/// binlog before that position is closed and can be shipped, and its GTID position (a comment near the end), which a replica
/// starts from. With encryption on, the compressed stream is sealed chunk by chunk on its way to the upload
/// (<see cref="BackupCipher"/>), and the manifest too. The manifest is written last.
/// </summary>
public sealed partial class MariaDbDumper(
    IObjectStore store, MariaDbLayout layout, MariaDbClient client, IProcessRunner processes, MariaDbConfig config, int compressionLevel, TimeProvider time, ILogger logger,
    BackupCipher? cipher = null)
{
    private readonly BackupCipher _cipher = cipher ?? BackupCipher.None;

    public async Task<DumpManifest> RunAsync(CancellationToken cancellationToken)
    {
        var facts = await client.FactsAsync(cancellationToken);
        var id = BackupIds.New(time);
        var started = time.GetUtcNow();
        var partSize = PartSizePolicy.Initial(facts.DataBytes);
        List<string> args =
        [
            .. MariaDbCommandLine.Connection(config),
            "--single-transaction", "--quick", "--routines", "--events", "--triggers", "--hex-blob", "--default-character-set=utf8mb4",
        ];
        if (facts.BinlogEnabled)
        {
            args.AddRange(["--master-data=2", "--flush-logs"]);
        }

        // All databases include the mysql schema: FLUSH PRIVILEGES after it, so restored accounts take effect.
        args.AddRange(config.Databases.Count == 0 ? ["--all-databases", "--flush-privileges"] : ["--databases", .. config.Databases]);

        HashingStream sql;
        ObjectInfo stored;
        string storedSha;
        int parts;
        using var sealer = await _cipher.SealerAsync(store, layout.Prefix, layout.Dump(id), cancellationToken);
        await using (var upload = new MultipartUploadStream(
            await store.StartMultipartUploadAsync(layout.Dump(id), new PutOptions { ContentType = sealer.Encrypts ? "application/octet-stream" : "application/zstd", Metadata = sealer.Metadata }, cancellationToken),
            partSize, inFlight: 2, cancellationToken))
        {
            var sealing = sealer.Wrap(upload);
            var compressor = ZstdCodec.CompressTo(sealing, compressionLevel);
            sql = new HashingStream(compressor, leaveOpen: true, captureHead: 64 * 1024, captureTail: 4096);
            await processes.RunAsync(new ProcessSpec(Path.Combine(config.BinDir, "mariadb-dump"), args)
            {
                Environment = MariaDbCommandLine.Environment(config),
                StandardOutput = sql,
            }, cancellationToken);
            await compressor.DisposeAsync();
            await ObjectSealer.FinishAsync(sealing, cancellationToken);
            stored = await upload.CompleteAsync(cancellationToken);
            storedSha = upload.Sha256Hex;
            parts = upload.Parts;
        }

        var head = Encoding.UTF8.GetString(sql.Head);
        var position = BinlogPosition().Match(head);
        // mariadb-dump writes the GTID position as a comment near the end ("the deferred gtid setting").
        var gtid = GtidPosition().Match(Encoding.UTF8.GetString(sql.Tail));
        if (!head.Contains("-- MariaDB dump", StringComparison.Ordinal) && !head.Contains("-- MySQL dump", StringComparison.Ordinal))
        {
            throw new InvalidDataException("mariadb-dump output does not start with a dump header");
        }

        var manifest = new DumpManifest
        {
            Id = id,
            StartTime = started,
            StopTime = time.GetUtcNow(),
            Databases = config.Databases,
            BinlogFile = position.Success ? position.Groups[1].Value : null,
            BinlogPosition = position.Success ? long.Parse(position.Groups[2].Value, CultureInfo.InvariantCulture) : null,
            GtidPosition = gtid.Success ? gtid.Groups[1].Value : null,
            SqlBytes = sql.BytesSeen,
            SqlSha256 = sql.Sha256Hex,
            StoredBytes = stored.Size,
            StoredSha256 = storedSha,
            Parts = parts,
            CompressionLevel = compressionLevel,
            ServerVersion = facts.Version,
        };
        await sql.DisposeAsync();
        using (var manifestSealer = await _cipher.SealerAsync(store, layout.Prefix, layout.Manifest(id), cancellationToken))
        {
            await store.PutAsync(layout.Manifest(id), manifestSealer.Seal(manifest.ToJsonBytes()), new PutOptions
            {
                ContentType = manifestSealer.Encrypts ? "application/octet-stream" : "application/json",
                Metadata = manifestSealer.Metadata,
            }, cancellationToken);
        }

        LogDumped(logger, id, manifest.SqlBytes, manifest.StoredBytes, manifest.BinlogFile, manifest.BinlogPosition);
        return manifest;
    }

    [GeneratedRegex("MASTER_LOG_FILE='([^']+)',\\s*MASTER_LOG_POS=([0-9]+)")]
    private static partial Regex BinlogPosition();

    /// <summary><c>-- SET GLOBAL gtid_slave_pos='0-1-42,1-2-7';</c> as mariadb-dump --gtid --master-data=2 writes it (empty when no GTID was ever logged).</summary>
    [GeneratedRegex("SET GLOBAL gtid_slave_pos\\s*=\\s*'([0-9,-]*)'")]
    private static partial Regex GtidPosition();

    [LoggerMessage(EventId = 6200, Level = LogLevel.Information, Message = "Dump {Id} complete: {SqlBytes} bytes of SQL, {StoredBytes} stored, binlog {File}:{Position}")]
    private static partial void LogDumped(ILogger logger, string id, long sqlBytes, long storedBytes, string? file, long? position);
}
