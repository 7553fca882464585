using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Processes;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Backup.Encryption;
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

    /// <summary>Client-side encryption of every object under the prefix (<c>db.backup.encryption</c>), or none.</summary>
    public BackupCipher Cipher { get; } = BackupCiphers.Create(db.Backup.Encryption, config.Aws, loggers.CreateLogger<BackupCipher>());

    public IObjectStore Store => store;

    public MariaDbClient Client() => new(MariaDb);

    public MariaDbDumper Dumper() => new(store, Layout, Client(), processes, MariaDb, _db.Backup.CompressionLevel, time, loggers.CreateLogger<MariaDbDumper>(), Cipher);

    public MariaDbRestorer Restorer(string? prefix = null) => new(store, new MariaDbLayout(prefix ?? Prefix), processes, loggers.CreateLogger<MariaDbRestorer>(), Cipher);

    public BinlogShipper Shipper() => new(store, Layout, Client(), MariaDb.BinlogDir, _db.Backup.CompressionLevel, loggers.CreateLogger<BinlogShipper>(), Cipher);

    public MariaDbPointInTimeRestorer PointInTime(string? prefix = null) => new(store, new MariaDbLayout(prefix ?? Prefix), processes, loggers.CreateLogger<MariaDbPointInTimeRestorer>(), Cipher);

    public DumpObjectCheck ObjectCheck(string? prefix = null) => new(store, new MariaDbLayout(prefix ?? Prefix), Cipher);

    public DumpRetention Retention() => new(store, Layout, loggers.CreateLogger<DumpRetention>(), Cipher);

    public DumpCatalog Catalog(string? prefix = null) => new(store, new MariaDbLayout(prefix ?? Prefix), Cipher);
}
