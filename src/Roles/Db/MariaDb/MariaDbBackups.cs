using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Processes;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.MariaDb;

/// <summary>A MariaDB/MySQL node's backup parts, built from its config (the loop and the <c>backup</c> commands use the same).</summary>
public sealed class MariaDbBackups(DbSection db, AgentConfig config, NodeIdentity identity, IObjectStore store, IProcessRunner processes, TimeProvider time, ILoggerFactory loggers)
{
    private readonly DbSection _db = db;

    public MariaDbConfig MariaDb => _db.MariaDb ?? throw new InvalidOperationException("db.mariadb is required");

    public string Prefix { get; } = BackupPrefixes.For(MariaDbEngine.PrefixSegment, db.Backup, config, identity);

    public MariaDbLayout Layout => new(Prefix);

    public MariaDbClient Client() => new(MariaDb);

    public MariaDbDumper Dumper() => new(store, Layout, Client(), processes, MariaDb, _db.Backup.CompressionLevel, time, loggers.CreateLogger<MariaDbDumper>());

    public MariaDbRestorer Restorer(string? prefix = null) => new(store, new MariaDbLayout(prefix ?? Prefix), processes, loggers.CreateLogger<MariaDbRestorer>());

    public BinlogShipper Shipper() => new(store, Layout, Client(), MariaDb.BinlogDir, _db.Backup.CompressionLevel, loggers.CreateLogger<BinlogShipper>());

    public DumpRetention Retention() => new(store, Layout, loggers.CreateLogger<DumpRetention>());

    public DumpCatalog Catalog(string? prefix = null) => new(store, new MariaDbLayout(prefix ?? Prefix));
}
