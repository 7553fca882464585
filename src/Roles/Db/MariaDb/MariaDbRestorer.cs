using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Processes;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Backup.Encryption;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.MariaDb;

/// <summary>
/// Restores a dump into a server by streaming S3 → zstd → the <c>mariadb</c> client's stdin, with no local file.
/// zstd's frame checksum stops a corrupted stream, and with encryption every chunk is authenticated before the client
/// sees it; the SQL's SHA-256 is checked against the manifest at the end.
/// </summary>
public sealed partial class MariaDbRestorer(IObjectStore store, MariaDbLayout layout, IProcessRunner processes, ILogger logger, BackupCipher? cipher = null)
{
    private readonly BackupCipher _cipher = cipher ?? BackupCipher.None;

    public async Task<DumpManifest> RestoreAsync(string? dumpId, MariaDbConfig target, CancellationToken cancellationToken)
    {
        var manifest = await ChooseAsync(dumpId, null, cancellationToken);
        await LoadAsync(manifest, target, binlog: true, cancellationToken);
        return manifest;
    }

    /// <summary>
    /// The dump named, else the newest complete one that ended at or before <paramref name="before"/> (any when null).
    /// </summary>
    public async Task<DumpManifest> ChooseAsync(string? dumpId, DateTimeOffset? before, CancellationToken cancellationToken)
    {
        var dumps = (await new DumpCatalog(store, layout, _cipher).ListAsync(cancellationToken)).Where(d => d.Complete).Select(d => d.Manifest!).ToList();
        if (dumpId is not null)
        {
            var named = dumps.FirstOrDefault(d => d.Id == dumpId) ?? throw new InvalidOperationException($"no complete dump {dumpId} under {layout.Prefix}");
            return before is { } t && named.StopTime > t
                ? throw new InvalidOperationException($"dump {dumpId} ended at {named.StopTime:u}, after the target {t:u}; choose an earlier dump")
                : named;
        }

        if (dumps.Count == 0)
        {
            throw new InvalidOperationException($"no complete dump under {layout.Prefix}");
        }

        return dumps.LastOrDefault(d => before is not { } t || d.StopTime <= t)
            ?? throw new InvalidOperationException($"no dump ended before the target {before:u}; the oldest kept dump {dumps[0].Id} ended at {dumps[0].StopTime:u}");
    }

    /// <summary>
    /// Streams a dump into <paramref name="target"/>. With <paramref name="binlog"/> false the load runs with
    /// <c>sql_log_bin=0</c>: nothing of it goes into the target's own binary log (replica bootstrap, point-in-time
    /// restore: the target's GTID sequence is not disturbed, so <c>gtid_strict_mode</c> has nothing to refuse).
    /// </summary>
    public async Task LoadAsync(DumpManifest manifest, MariaDbConfig target, bool binlog, CancellationToken cancellationToken)
    {
        LogRestoring(logger, manifest.Id, target.Host, target.Port);
        var key = layout.Dump(manifest.Id);
        var body = await store.OpenReadAsync(key, cancellationToken)
            ?? throw new InvalidOperationException($"{key} is missing although its manifest exists");
        await using var plain = await _cipher.OpenReadAsync(body, layout.Prefix, key, cancellationToken);
        await using var sql = new HashingStream(ZstdCodec.DecompressFrom(plain));
        Stream input = sql;
        if (!binlog)
        {
            input = new PrefixedReadStream(System.Text.Encoding.ASCII.GetBytes("SET SESSION sql_log_bin=0;\n"), sql, leaveOpen: true);
        }

        await processes.RunAsync(new ProcessSpec(Path.Combine(target.BinDir, "mariadb"), [.. MariaDbCommandLine.Connection(target), "--binary-mode"])
        {
            Environment = MariaDbCommandLine.Environment(target),
            StandardInput = input,
        }, cancellationToken);
        await sql.CopyToAsync(Stream.Null, cancellationToken);
        if (sql.Sha256Hex != manifest.SqlSha256)
        {
            throw new InvalidDataException($"{key}: restored SQL has sha256 {sql.Sha256Hex}, manifest says {manifest.SqlSha256}");
        }
    }

    [LoggerMessage(EventId = 6210, Level = LogLevel.Information, Message = "Restoring dump {Id} into {Host}:{Port}")]
    private static partial void LogRestoring(ILogger logger, string id, string host, int port);
}
