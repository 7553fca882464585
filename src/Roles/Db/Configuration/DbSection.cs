using NodeAgent.Configuration;

namespace NodeAgent.Roles.Db.Configuration;

public enum DbEngine
{
    PostgreSql,
    MariaDb,
}

/// <summary><c>db:</c> — the database on this node, its health check and its backups to S3.</summary>
public sealed record DbSection : IRoleSection
{
    /// <summary>The defaults, written once: each property's initializer.</summary>
    private static DbSection Default => new() { Engine = default! };

    public required DbEngine Engine { get; init; }

    public PostgreSqlConfig? PostgreSql { get; init; }

    public MariaDbConfig? MariaDb { get; init; }

    public DbBackupConfig Backup { get; init; } = new();

    public DbReplicationConfig Replication { get; init; } = new();

    /// <summary>The writers' name (<c>db.replication.name</c>) while replication is on.</summary>
    public IReadOnlyList<SharedDnsName> SharedDnsNames => Replication.Enabled ? [Replication.SharedName] : [];

    public TimeSpan HealthInterval { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan HealthTimeout { get; init; } = TimeSpan.FromSeconds(3);

    private static readonly Dictionary<string, DbEngine> Engines = new()
    {
        ["postgresql"] = DbEngine.PostgreSql,
        ["mariadb"] = DbEngine.MariaDb,
    };

    public static DbSection Read(ConfigReader r)
    {
        var engine = r.Choice("engine", DbEngine.PostgreSql, Engines, required: true);
        var section = new DbSection
        {
            Engine = engine,
            PostgreSql = r.Section("postgresql", PostgreSqlConfig.Read),
            MariaDb = r.Section("mariadb", MariaDbConfig.Read),
            Backup = r.Section("backup", DbBackupConfig.Read) ?? new DbBackupConfig(),
            Replication = r.Section("replication", DbReplicationConfig.Read) ?? new DbReplicationConfig(),
            HealthInterval = r.Duration("health_interval", Default.HealthInterval, TimeSpan.FromMilliseconds(200), TimeSpan.FromMinutes(10)),
            HealthTimeout = r.Duration("health_timeout", Default.HealthTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1)),
        };
        switch (engine)
        {
            case DbEngine.PostgreSql when section.PostgreSql is null:
                r.Error("postgresql", "is required when engine is postgresql");
                break;
            case DbEngine.MariaDb when section.MariaDb is null:
                r.Error("mariadb", "is required when engine is mariadb");
                break;
        }

        if (engine == DbEngine.PostgreSql && section.MariaDb is not null)
        {
            r.Error("mariadb", "is set but engine is postgresql");
        }

        if (engine == DbEngine.MariaDb && section.PostgreSql is not null)
        {
            r.Error("postgresql", "is set but engine is mariadb");
        }

        if (section.Replication.Enabled && engine == DbEngine.MariaDb)
        {
            r.Error("replication.mode", "replication is implemented for postgresql only so far; leave it off on mariadb");
        }

        if (section.Replication.Enabled && !section.Backup.Enabled)
        {
            r.Error("replication.mode", "replication needs db.backup.enabled: replicas are built from the archive and follow it");
        }

        return section;
    }
}

public sealed record PostgreSqlConfig
{
    /// <summary>The defaults, written once: each property's initializer.</summary>
    private static PostgreSqlConfig Default => new() { DataDir = default! };

    public required string DataDir { get; init; }

    /// <summary>Directory with pg_basebackup, pg_ctl, postgres. Default: /usr/lib/postgresql/15/bin.</summary>
    public string BinDir { get; init; } = "/usr/lib/postgresql/15/bin";

    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 5432;

    public string User { get; init; } = "postgres";

    public SecretValue? Password { get; init; }

    public string Database { get; init; } = "postgres";

    /// <summary>The OS user PostgreSQL runs as: owns restored directories, reads the archive settings.</summary>
    public string OsUser { get; init; } = "postgres";

    /// <summary>Where the agent writes the settings wal-push/wal-fetch read. Default: <c>&lt;state_dir&gt;/postgres/archive.json</c>.</summary>
    public string? ArchiveSettings { get; init; }

    public static PostgreSqlConfig Read(ConfigReader r) => new()
    {
        DataDir = r.AbsolutePath("data_dir", required: true) ?? string.Empty,
        BinDir = r.AbsolutePath("bin_dir", fallback: Default.BinDir)!,
        Host = r.String("host", fallback: Default.Host, maxLength: 255)!,
        Port = r.Int("port", Default.Port, 1, 65535),
        User = r.String("user", fallback: Default.User, maxLength: 63)!,
        Password = r.Secret("password"),
        Database = r.String("database", fallback: Default.Database, maxLength: 63)!,
        OsUser = r.String("os_user", fallback: Default.OsUser, pattern: new("^[a-z_][a-z0-9_-]{0,31}$"), patternHint: "a Unix user name")!,
        ArchiveSettings = r.AbsolutePath("archive_settings"),
    };
}

public sealed record MariaDbConfig
{
    /// <summary>The defaults, written once: each property's initializer.</summary>
    private static MariaDbConfig Default => new();

    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 3306;

    public string? Socket { get; init; }

    public string User { get; init; } = "root";

    public SecretValue? Password { get; init; }

    /// <summary>Databases to dump; empty means all.</summary>
    public IReadOnlyList<string> Databases { get; init; } = [];

    /// <summary>Where the server writes its binary logs; closed ones are shipped to S3.</summary>
    public string? BinlogDir { get; init; }

    /// <summary>Directory with mariadb-dump and mariadb (the client used for restores).</summary>
    public string BinDir { get; init; } = "/usr/bin";

    /// <summary>Replication: this node as the primary or a replica seeded from S3 (docs/replication-mariadb.md); null: none.</summary>
    public MariaDbReplicationConfig? Replication { get; init; }

    public static MariaDbConfig Read(ConfigReader r) => new()
    {
        Host = r.String("host", fallback: Default.Host, maxLength: 255)!,
        Port = r.Int("port", Default.Port, 1, 65535),
        Socket = r.AbsolutePath("socket"),
        User = r.String("user", fallback: Default.User, maxLength: 80)!,
        Password = r.Secret("password"),
        Databases = r.StringList("databases", max: 1000, pattern: new("^[A-Za-z0-9_$]{1,64}$"), patternHint: "a database name"),
        BinlogDir = r.AbsolutePath("binlog_dir"),
        BinDir = r.AbsolutePath("bin_dir", fallback: Default.BinDir)!,
        Replication = r.Section("replication", MariaDbReplicationConfig.Read),
    };
}

/// <summary>Backups to S3 under <c>&lt;cluster&gt;/backups/&lt;node&gt;/</c>: schedule, retention and compression.</summary>
public sealed record DbBackupConfig
{
    /// <summary>The defaults, written once: each property's initializer.</summary>
    private static DbBackupConfig Default => new();

    public bool Enabled { get; init; } = true;

    /// <summary>Key prefix; default <c>&lt;cluster&gt;/backups/&lt;engine&gt;/&lt;node-id&gt;</c>.</summary>
    public string? Prefix { get; init; }

    public TimeSpan FullEvery { get; init; } = TimeSpan.FromHours(24);

    /// <summary>False: the agent keeps archiving (WAL, binlogs) but takes no full backups itself (cron or an operator runs <c>nodeagent backup push</c>).</summary>
    public bool Scheduled { get; init; } = true;

    /// <summary>Full backups kept; WAL older than the oldest kept backup is removed.</summary>
    public int RetainFull { get; init; } = 7;

    public int CompressionLevel { get; init; } = 3;

    /// <summary>MariaDB: how often closed binlogs are shipped.</summary>
    public TimeSpan BinlogInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>PostgreSQL: segments wal-fetch downloads ahead of the one recovery asks for.</summary>
    public int WalPrefetch { get; init; } = 8;

    /// <summary>PostgreSQL: ready segments the agent uploads before archive_command asks for them.</summary>
    public int WalLookahead { get; init; } = 4;

    /// <summary>PostgreSQL: how long a base backup waits for its WAL range to reach the archive.</summary>
    public TimeSpan WalTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Client-side encryption of every backup object; null: objects are stored as compressed (docs/backups.md).</summary>
    public BackupEncryptionConfig? Encryption { get; init; }

    public static DbBackupConfig Read(ConfigReader r) => new()
    {
        Enabled = r.Bool("enabled", Default.Enabled),
        Prefix = r.String("prefix", pattern: new("^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$"), patternHint: "an S3 key prefix without leading or trailing '/'"),
        FullEvery = r.Duration("full_every", Default.FullEvery, TimeSpan.FromMinutes(1), TimeSpan.FromDays(365)),
        Scheduled = r.Bool("scheduled", Default.Scheduled),
        RetainFull = r.Int("retain_full", Default.RetainFull, 1, 1000),
        CompressionLevel = r.Int("compression_level", Default.CompressionLevel, 1, 19),
        BinlogInterval = r.Duration("binlog_interval", Default.BinlogInterval, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)),
        WalPrefetch = r.Int("wal_prefetch", Default.WalPrefetch, 0, 64),
        WalLookahead = r.Int("wal_lookahead", Default.WalLookahead, 0, 16),
        WalTimeout = r.Duration("wal_timeout", Default.WalTimeout, TimeSpan.FromSeconds(5), TimeSpan.FromDays(1)),
        Encryption = r.Section("encryption", BackupEncryptionConfig.Read),
    };
}
