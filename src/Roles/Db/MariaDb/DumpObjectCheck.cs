using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Backup.Encryption;
using NodeAgent.Roles.Db.Engines;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.MariaDb;

/// <summary>
/// <c>backup verify --objects-only</c> on MariaDB: reads a dump and every shipped binlog from its position on, without
/// restoring anything. Each object must authenticate (when encrypted), decompress, and match its manifest or metadata
/// (the dump's SQL SHA-256 and size; each binlog's size, event chain and, when stored, SHA-256). The first failure is
/// thrown naming the object.
/// </summary>
public sealed class DumpObjectCheck(IObjectStore store, MariaDbLayout layout, BackupCipher? cipher = null)
{
    private readonly BackupCipher _cipher = cipher ?? BackupCipher.None;

    public async Task<ObjectCheckReport> CheckAsync(string? dumpId, CancellationToken cancellationToken)
    {
        var restorer = new MariaDbRestorer(store, layout, new NoProcesses(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, _cipher);
        var dump = await restorer.ChooseAsync(dumpId, null, cancellationToken);
        var key = layout.Dump(dump.Id);
        var body = await store.OpenReadAsync(key, cancellationToken) ?? throw new InvalidOperationException($"{key} is missing although its manifest exists");
        await using var stored = new HashingStream(body);
        await using var plain = await _cipher.OpenReadAsync(stored, layout.Prefix, key, cancellationToken);
        await using var sql = new HashingStream(ZstdCodec.DecompressFrom(plain));
        await sql.CopyToAsync(Stream.Null, 1 << 20, cancellationToken);
        if (sql.Sha256Hex != dump.SqlSha256 || sql.BytesSeen != dump.SqlBytes)
        {
            throw new InvalidDataException($"{key}: SQL has sha256 {sql.Sha256Hex} ({sql.BytesSeen} bytes), its manifest says {dump.SqlSha256} ({dump.SqlBytes} bytes)");
        }

        if (stored.Sha256Hex != dump.StoredSha256)
        {
            throw new InvalidDataException($"{key}: stored object has sha256 {stored.Sha256Hex}, its manifest says {dump.StoredSha256}");
        }

        var objects = 2;
        var bytes = sql.BytesSeen;
        if (dump.BinlogFile is { } file && ShippedBinlog.TryParse(file) is { } first)
        {
            var archive = new BinlogArchive(store, layout, _cipher);
            foreach (var binlog in (await archive.ListAsync(cancellationToken)).Where(b => b.BaseName == first.BaseName && b.Sequence >= first.Sequence))
            {
                var read = await archive.CheckAsync(binlog.Name, cancellationToken);
                objects++;
                bytes += read.Size;
            }
        }

        return new ObjectCheckReport(dump.Id, objects, bytes);
    }

    /// <summary>The check never starts a process.</summary>
    private sealed class NoProcesses : NodeAgent.Processes.IProcessRunner
    {
        public Task<NodeAgent.Processes.ProcessResult> RunAsync(NodeAgent.Processes.ProcessSpec spec, CancellationToken cancellationToken, bool allowFailure = false)
            => throw new InvalidOperationException("an object check does not run processes");
    }
}
