using Microsoft.Extensions.Logging;
using NodeAgent.Backup;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Processes;
using NodeAgent.Storage;

namespace NodeAgent.MariaDb;

/// <summary>A MariaDB/MySQL node's backup parts, built from its config (the loop and the <c>backup</c> commands use the same).</summary>
public sealed class MariaDbBackups(AgentConfig config, NodeIdentity identity, IObjectStore store, IProcessRunner processes, TimeProvider time, ILoggerFactory loggers)
{
    private readonly DbSection _db = config.Db ?? throw new InvalidOperationException("the db section is required");

    public MariaDbConfig MariaDb => _db.MariaDb ?? throw new InvalidOperationException("db.mariadb is required");

    public string Prefix { get; } = BackupPrefixes.For(config, identity);

    public MariaDbLayout Layout => new(Prefix);

    public MariaDbClient Client() => new(MariaDb);

    public MariaDbDumper Dumper() => new(store, Layout, Client(), processes, MariaDb, _db.Backup.CompressionLevel, time, loggers.CreateLogger<MariaDbDumper>());

    public MariaDbRestorer Restorer(string? prefix = null) => new(store, new MariaDbLayout(prefix ?? Prefix), processes, loggers.CreateLogger<MariaDbRestorer>());

    public BinlogShipper Shipper() => new(store, Layout, Client(), MariaDb.BinlogDir, _db.Backup.CompressionLevel, loggers.CreateLogger<BinlogShipper>());

    public DumpRetention Retention() => new(store, Layout, loggers.CreateLogger<DumpRetention>());

    public DumpCatalog Catalog(string? prefix = null) => new(store, new MariaDbLayout(prefix ?? Prefix));
}
