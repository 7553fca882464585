using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Processes;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.MariaDb;

/// <summary>
/// Restores a dump into a server by streaming S3 → zstd → the <c>mariadb</c> client's stdin, with no local file.
/// zstd's frame checksum stops a corrupted stream; the SQL's SHA-256 is checked against the manifest at the end.
/// </summary>
public sealed partial class MariaDbRestorer(IObjectStore store, MariaDbLayout layout, IProcessRunner processes, ILogger logger)
{
    public async Task<DumpManifest> RestoreAsync(string? dumpId, MariaDbConfig target, CancellationToken cancellationToken)
    {
        var dumps = (await new DumpCatalog(store, layout).ListAsync(cancellationToken)).Where(d => d.Complete).ToList();
        var entry = (dumpId is null ? dumps.LastOrDefault() : dumps.FirstOrDefault(d => d.Id == dumpId))
            ?? throw new InvalidOperationException(dumpId is null ? $"no complete dump under {layout.Prefix}" : $"no complete dump {dumpId} under {layout.Prefix}");
        var manifest = entry.Manifest!;
        LogRestoring(logger, manifest.Id, target.Host, target.Port);
        await using var body = await store.OpenReadAsync(layout.Dump(manifest.Id), cancellationToken)
            ?? throw new InvalidOperationException($"{layout.Dump(manifest.Id)} is missing although its manifest exists");
        await using var sql = new HashingStream(ZstdCodec.DecompressFrom(body));
        await processes.RunAsync(new ProcessSpec(Path.Combine(target.BinDir, "mariadb"), [.. MariaDbCommandLine.Connection(target), "--binary-mode"])
        {
            Environment = MariaDbCommandLine.Environment(target),
            StandardInput = sql,
        }, cancellationToken);
        await sql.CopyToAsync(Stream.Null, cancellationToken);
        if (sql.Sha256Hex != manifest.SqlSha256)
        {
            throw new InvalidDataException($"dump {manifest.Id}: restored SQL has sha256 {sql.Sha256Hex}, manifest says {manifest.SqlSha256}");
        }

        return manifest;
    }

    [LoggerMessage(EventId = 6210, Level = LogLevel.Information, Message = "Restoring dump {Id} into {Host}:{Port}")]
    private static partial void LogRestoring(ILogger logger, string id, string host, int port);
}
