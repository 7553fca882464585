using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Processes;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Backup.Encryption;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>
/// A PostgreSQL node's backup parts, built from its config: one place that knows the prefix, the settings file the
/// per-segment commands read, and how to make the runner, restorer, verifier and retention. Used by the agent's loop
/// and by the <c>backup</c> commands alike.
/// </summary>
public sealed class PostgresBackups(DbSection db, AgentConfig config, NodeIdentity identity, IObjectStore store, IProcessRunner processes, TimeProvider time, ILoggerFactory loggers)
{
    private readonly DbSection _db = db;

    public PostgreSqlConfig Postgres => _db.PostgreSql ?? throw new InvalidOperationException("db.postgresql is required");

    public DbBackupConfig BackupConfig => _db.Backup;

    public string Prefix { get; } = BackupPrefixes.For(PostgresEngine.PrefixSegment, db.Backup, config, identity, db.Replication.Enabled ? db.Replication.Name : null);

    public ArchiveLayout Layout => new(Prefix);

    public IObjectStore Store => store;

    /// <summary>Client-side encryption of every object under the prefix (<c>db.backup.encryption</c>), or none.</summary>
    public BackupCipher Cipher { get; } = BackupCiphers.Create(db.Backup.Encryption, config.Aws, loggers.CreateLogger<BackupCipher>());

    public string SettingsPath => Postgres.ArchiveSettings ?? ArchiveConfigWriter.PathUnder(config.Node.StateDir);

    public string SocketPath => ArchiveConfigWriter.SocketNextTo(SettingsPath);

    /// <summary>The database's OS user, or null when this host has no such account.</summary>
    public OsUser? OsUser => NodeAgent.Roles.Db.Backup.OsUser.Find(Postgres.OsUser);

    public ArchiveSettings Settings(string? prefix = null) => ArchiveSettings.From(
        config.Aws, prefix ?? Prefix, Postgres.DataDir, BackupConfig.CompressionLevel, BackupConfig.WalPrefetch, BackupConfig.Encryption);

    /// <summary>Writes the settings file for archive_command and returns whether it changed. The agent's socket is next to it.</summary>
    public bool WriteSettings() => ArchiveConfigWriter.Write(SettingsPath, Settings(), OsUser);

    /// <summary>
    /// restore_command for a settings file: <c>nodeagent-wal-push --fetch --config FILE %f %p</c> (the NativeAOT client,
    /// handing the request to the running agent) when it is installed next to the agent, else
    /// <c>nodeagent wal-fetch --config FILE [--prefix P] %f %p</c> (which also tries the agent first).
    /// </summary>
    public static string RestoreCommand(string settingsPath, string? prefix = null)
    {
        var self = SelfCommand.Argv();
        var client = Path.Combine(Path.GetDirectoryName(self[0])!, WalPushClientFileName);
        return prefix is null && self.Count == 1 && File.Exists(client)
            ? SelfCommand.ShellLine([client, "--fetch", "--config", settingsPath, "%f", "%p"])
            : SelfCommand.ShellLine([.. self, "wal-fetch", "--config", settingsPath, .. prefix is null ? Array.Empty<string>() : ["--prefix", prefix], "%f", "%p"]);
    }

    /// <summary>
    /// archive_command for a settings file: <c>nodeagent-wal-push --config FILE %p</c>, the NativeAOT client installed
    /// next to the agent (it starts in ~10 ms instead of ~85 ms; docs/backups.md), else <c>nodeagent wal-push --config FILE %p</c>.
    /// </summary>
    public static string ArchiveCommand(string settingsPath)
    {
        var self = SelfCommand.Argv();
        var client = Path.Combine(Path.GetDirectoryName(self[0])!, WalPushClientFileName);
        return self.Count == 1 && File.Exists(client)
            ? SelfCommand.ShellLine([client, "--config", settingsPath, "%p"])
            : SelfCommand.ShellLine([.. self, "wal-push", "--config", settingsPath, "%p"]);
    }

    /// <summary>The NativeAOT archive_command client (src/WalPushClient), installed next to the agent binary.</summary>
    public const string WalPushClientFileName = "nodeagent-wal-push";

    public PostgresClient Client() => new(Postgres);

    public WalPusher Pusher() => new(store, Layout, Postgres.DataDir, BackupConfig.CompressionLevel, loggers.CreateLogger<WalPusher>(), Cipher);

    public BaseBackupRunner Runner() => new(store, Layout, Client(), processes, Postgres, BackupConfig.CompressionLevel, BackupConfig.WalTimeout, time, loggers.CreateLogger<BaseBackupRunner>(), Cipher);

    public PostgresRestorer Restorer(string? prefix = null) => new(store, new ArchiveLayout(prefix ?? Prefix), loggers.CreateLogger<PostgresRestorer>(), Cipher);

    public WalFetcher Fetcher(string? prefix = null) => new(store, new ArchiveLayout(prefix ?? Prefix), 0, loggers.CreateLogger<WalFetcher>(), Cipher);

    public PostgresVerifier Verifier(string? prefix = null) => new(Restorer(prefix), processes, Postgres.BinDir, Postgres.User, loggers.CreateLogger<PostgresVerifier>());

    public BaseBackupObjectCheck ObjectCheck(string? prefix = null) => new(store, new ArchiveLayout(prefix ?? Prefix), Cipher);

    public RetentionRunner Retention() => new(store, Layout, loggers.CreateLogger<RetentionRunner>(), Cipher);

    public BackupCatalog Catalog(string? prefix = null) => new(store, new ArchiveLayout(prefix ?? Prefix), Cipher);
}
