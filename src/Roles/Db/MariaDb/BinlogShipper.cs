using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Backup.Encryption;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.MariaDb;

/// <summary>
/// Ships closed binary logs to S3: every log <c>SHOW BINARY LOGS</c> lists except the last, which the server is still
/// writing and is never shipped. Write-once like the WAL archive: the same file again is skipped, a different file
/// under the same name is an error. With encryption on, each binlog gets its own data key; its SHA-256 is then not
/// stored in the clear (the AEAD tag authenticates it), only its size and the wrapping key's id.
/// </summary>
public sealed partial class BinlogShipper(IObjectStore store, MariaDbLayout layout, MariaDbClient client, string? binlogDir, int compressionLevel, ILogger logger,
    BackupCipher? cipher = null)
{
    private readonly BackupCipher _cipher = cipher ?? BackupCipher.None;

    /// <returns>The names shipped in this round.</returns>
    public async Task<IReadOnlyList<string>> ShipAsync(CancellationToken cancellationToken)
    {
        var facts = await client.FactsAsync(cancellationToken);
        if (!facts.BinlogEnabled)
        {
            return [];
        }

        var dir = binlogDir ?? Path.GetDirectoryName(facts.BinlogBasename)
            ?? throw new InvalidOperationException("cannot tell where the binary logs are: set db.mariadb.binlog_dir");
        var logs = await client.BinaryLogsAsync(cancellationToken);
        var closed = logs.Take(Math.Max(0, logs.Count - 1)).ToList();
        var listing = await store.ListAsync(layout.BinlogDirectory, null, cancellationToken);
        var shipped = listing.Objects.Select(o => layout.BinlogNameOf(o.Key)).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var sent = new List<string>();
        foreach (var name in closed.Where(n => !shipped.Contains(n)))
        {
            var path = Path.Combine(dir, name);
            if (!File.Exists(path))
            {
                continue;
            }

            var content = await File.ReadAllBytesAsync(path, cancellationToken);
            using var sealer = await _cipher.SealerAsync(store, layout.Prefix, layout.Binlog(name), cancellationToken);
            var metadata = new Dictionary<string, string>(sealer.Metadata) { ["size"] = content.Length.ToString(CultureInfo.InvariantCulture) };
            if (!sealer.Encrypts)
            {
                metadata["sha256"] = Convert.ToHexStringLower(SHA256.HashData(content));
            }

            await store.PutAsync(layout.Binlog(name), sealer.Seal(ZstdCodec.Compress(content, compressionLevel)), new PutOptions
            {
                IfNoneMatch = true,
                Metadata = metadata,
            }, cancellationToken);
            sent.Add(name);
            LogShipped(logger, name, content.Length);
        }

        return sent;
    }

    [LoggerMessage(EventId = 6220, Level = LogLevel.Information, Message = "Shipped binlog {Name} ({Bytes} bytes)")]
    private static partial void LogShipped(ILogger logger, string name, long bytes);
}
