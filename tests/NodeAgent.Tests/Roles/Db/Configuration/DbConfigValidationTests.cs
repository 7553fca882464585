using NodeAgent.Configuration;
using NodeAgent.Roles;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Db.Configuration;

/// <summary>The <c>db:</c> section's backup and archiving keys: defaults, and path-precise errors.</summary>
public sealed class DbConfigValidationTests
{
    private static readonly IReadOnlyCollection<IRoleSectionReader> Roles = BuiltInRoles.Catalog().SectionReaders;

    private const string Db = """
        version: 1
        role: db
        cluster: demo
        aws: {region: us-east-1, bucket: my-bucket}
        db:
          engine: postgresql
          postgresql: {data_dir: /var/lib/postgresql/15/main}
        """;

    private const string Maria = """
        version: 1
        role: db
        cluster: demo
        aws: {region: us-east-1, bucket: my-bucket}
        db:
          engine: mariadb
          mariadb: {port: 3306}
        """;

    public static TheoryData<string, string, string, string> InvalidCases() => new()
    {
        { "bad OS user", Db.Replace("main}", "main, os_user: \"Post gres\"}"), "db.postgresql.os_user", "a Unix user name" },
        { "relative archive settings path", Db.Replace("main}", "main, archive_settings: archive.json}"), "db.postgresql.archive_settings", "absolute path" },
        { "prefetch too large", Db + "\n  backup: {wal_prefetch: 65}", "db.backup.wal_prefetch", "between 0 and 64" },
        { "look-ahead negative", Db + "\n  backup: {wal_lookahead: -1}", "db.backup.wal_lookahead", "between 0 and 16" },
        { "WAL timeout too short", Db + "\n  backup: {wal_timeout: 1s}", "db.backup.wal_timeout", "between 5s" },
        { "scheduled not a bool", Db + "\n  backup: {scheduled: sometimes}", "db.backup.scheduled", "true or false" },
        { "retain zero", Db + "\n  backup: {retain_full: 0}", "db.backup.retain_full", "between 1 and 1000" },
        { "compression level beyond zstd", Db + "\n  backup: {compression_level: 23}", "db.backup.compression_level", "between 1 and 19" },
        { "prefix with a leading slash", Db + "\n  backup: {prefix: /backups}", "db.backup.prefix", "S3 key prefix" },
        { "typo in backup", Db + "\n  backup: {retain_ful: 3}", "db.backup.retain_ful", "did you mean 'retain_full'" },
        { "relative MariaDB bin dir", Maria.Replace("3306}", "3306, bin_dir: usr/bin}"), "db.mariadb.bin_dir", "absolute path" },
        { "MariaDB database name with a quote", Maria.Replace("3306}", "3306, databases: [\"shop'\"]}"), "db.mariadb.databases[0]", "a database name" },
        { "encryption without keys", Db + "\n  backup: {encryption: {keys: []}}", "db.backup.encryption.keys", "at least one item" },
        { "encryption key with both kinds", Db + "\n  backup: {encryption: {keys: [{id: k1, kms_key_id: alias/x, local_key: abc}]}}", "db.backup.encryption.keys[0]", "exactly one of 'kms_key_id' or 'local_key'" },
        { "encryption key with neither kind", Db + "\n  backup: {encryption: {keys: [{id: k1}]}}", "db.backup.encryption.keys[0]", "exactly one of 'kms_key_id' or 'local_key'" },
        { "encryption key id with a space", Db + "\n  backup: {encryption: {keys: [{id: \"k 1\", kms_key_id: alias/x}]}}", "db.backup.encryption.keys[0].id", "1-64 of" },
        { "duplicate encryption key ids", Db + "\n  backup: {encryption: {keys: [{id: k1, kms_key_id: alias/x}, {id: k1, kms_key_id: alias/y}]}}", "db.backup.encryption.keys", "more than once" },
        { "chunk size too small", Db + "\n  backup: {encryption: {chunk_size: 1KiB, keys: [{id: k1, kms_key_id: alias/x}]}}", "db.backup.encryption.chunk_size", "between" },
        { "KMS endpoint not a URL", Db + "\n  backup: {encryption: {kms_endpoint: \"not a url\", keys: [{id: k1, kms_key_id: alias/x}]}}", "db.backup.encryption.kms_endpoint", "" },
        { "replication without a secret", Maria.Replace("3306}", "3306, replication: {mode: replica}}"), "db.mariadb.replication.password", "is required" },
        { "replication mode unknown", Maria.Replace("3306}", "3306, replication: {mode: standby, password: x}}"), "db.mariadb.replication.mode", "" },
        { "replication account with a quote", Maria.Replace("3306}", "3306, replication: {mode: primary, password: x, user: \"rep'l\"}}"), "db.mariadb.replication.user", "1-80 of" },
    };

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void Read_WhenABackupKeyIsInvalid_NamesTheFieldAndWhatWasExpected(string name, string document, string path, string fragment)
    {
        var ex = Assert.Throws<ConfigException>(() => AgentConfigReader.Read(document, "test", Roles));

        Assert.True(
            ex.Errors.Any(e => e.Path == path && e.Message.Contains(fragment, StringComparison.Ordinal)),
            $"case '{name}': expected an error at '{path}' containing '{fragment}', got:{Environment.NewLine}{ex.Message}");
    }

    [Fact]
    public void Read_FillsTheBackupDefaults()
    {
        var config = AgentConfigReader.Read(Db, "test", Roles);

        var db = config.Section<DbSection>();
        Assert.Equal("postgres", db.PostgreSql!.OsUser);
        Assert.Null(db.PostgreSql.ArchiveSettings);
        Assert.True(db.Backup.Scheduled);
        Assert.Equal(8, db.Backup.WalPrefetch);
        Assert.Equal(4, db.Backup.WalLookahead);
        Assert.Equal(TimeSpan.FromMinutes(10), db.Backup.WalTimeout);
        Assert.Equal(7, db.Backup.RetainFull);
    }

    [Fact]
    public void TheShippedDbExample_IsValid()
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Examples, "db.yaml"));

        var config = AgentConfigReader.Read(text, "db.yaml", Roles);

        Assert.Equal(DbEngine.PostgreSql, config.Section<DbSection>().Engine);
    }
}
