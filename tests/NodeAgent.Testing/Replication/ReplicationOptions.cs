namespace NodeAgent.Testing.Replication;

/// <summary>The <c>db.replication</c> settings a test group's nodes share.</summary>
public sealed record ReplicationOptions
{
    public string Name { get; init; } = "db";

    public bool Synchronous { get; init; }

    public string OnSyncLoss { get; init; } = "block";

    public bool AutoFailover { get; init; }

    public string Interval { get; init; } = "1s";

    public int Fall { get; init; } = 2;

    public string MinHold { get; init; } = "1s";

    public string Lease { get; init; } = "10s";

    public string SwitchoverTimeout { get; init; } = "30s";

    /// <summary>The replication secret; a test looks for it in logs, arguments and the registry.</summary>
    public string Password { get; init; } = "Repl-s3cret-" + Guid.NewGuid().ToString("N")[..12];

    public string FullEvery { get; init; } = "24h";

    public int RetainFull { get; init; } = 2;

    /// <summary>Which nodeagent runs: the build (tests), or the installed-style executable a bench names.</summary>
    public AgentBinary Binary { get; init; } = AgentBinary.FromEnvironment();

    /// <summary>The S3 endpoint every node uses when not its own relay (default: the local stack's); a bench puts TLS in front.</summary>
    public Uri? S3Endpoint { get; init; }

    /// <summary>A local key-encryption key file every node encrypts its backups with (<c>db.backup.encryption</c>); null: off.</summary>
    public string? EncryptionKeyFile { get; init; }

    /// <summary>Extra lines for every node's postgresql.conf (initdb'd primaries only).</summary>
    public string ExtraPostgresConfig { get; init; } = string.Empty;
}
