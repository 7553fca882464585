using NodeAgent.Configuration;
using NodeAgent.Dns;
using NodeAgent.Roles;
using NodeAgent.Roles.Db.Configuration;

namespace NodeAgent.Tests.Roles.Db.Replication;

/// <summary><c>db.replication</c>: defaults, the writers' name kept off the node's own record, and path-precise errors.</summary>
public sealed class ReplicationConfigTests
{
    private static readonly IReadOnlyCollection<IRoleSectionReader> Roles = BuiltInRoles.Catalog().SectionReaders;

    private const string Db = """
        version: 1
        role: db
        cluster: demo
        node: {id: db}
        aws: {region: us-east-1, bucket: my-bucket}
        dns: {zone: shop.internal, provider: rfc2136, rfc2136: {server: 10.0.0.53, key_name: k, key_secret: c2VjcmV0}}
        db:
          engine: postgresql
          postgresql: {data_dir: /var/lib/postgresql/15/main}
          replication: {mode: replica, password: {file: /etc/nodeagent/repl}, allowed_cidrs: [10.0.0.0/16]}
        """;

    public static TheoryData<string, string, string, string> InvalidCases() => new()
    {
        { "no password", Db.Replace("password: {file: /etc/nodeagent/repl}, ", string.Empty), "db.replication.password", "is required for replication" },
        { "no networks", Db.Replace(", allowed_cidrs: [10.0.0.0/16]", string.Empty), "db.replication.allowed_cidrs", "is required for replication" },
        { "bad network", Db.Replace("10.0.0.0/16", "10.0.0.0/99"), "db.replication.allowed_cidrs[0]", "CIDR block" },
        { "unknown mode", Db.Replace("mode: replica", "mode: leader"), "db.replication.mode", "one of off, primary, replica, auto" },
        { "name with a dot", Db.Replace("mode: replica", "mode: replica, name: db.x"), "db.replication.name", "one DNS label" },
        { "lease not longer than the interval", Db.Replace("mode: replica", "mode: replica, interval: 5s, lease: 5s"), "db.replication.lease", "longer than interval" },
        { "unknown sync policy", Db.Replace("mode: replica", "mode: replica, on_sync_loss: maybe"), "db.replication.on_sync_loss", "one of block, degrade" },
        { "without backups", Db + "\n  backup: {enabled: false}", "db.replication.mode", "needs db.backup.enabled" },
        { "without dns", Db.Replace("dns: {zone: shop.internal, provider: rfc2136, rfc2136: {server: 10.0.0.53, key_name: k, key_secret: c2VjcmV0}}\n", string.Empty), "db.replication.name", "add a dns: section" },
        { "own record on the writers' name", Db.Replace("key_secret: c2VjcmV0}", "key_secret: c2VjcmV0}, record: db"), "dns.record", "the db primary's writers' name" },
        { "typo", Db.Replace("mode: replica", "mode: replica, auto_failovr: true"), "db.replication.auto_failovr", "did you mean 'auto_failover'" },
    };

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void Read_WhenAReplicationKeyIsInvalid_NamesTheFieldAndWhatWasExpected(string name, string document, string path, string fragment)
    {
        var ex = Assert.Throws<ConfigException>(() => AgentConfigReader.Read(document, "test", Roles));

        Assert.True(
            ex.Errors.Any(e => e.Path == path && e.Message.Contains(fragment, StringComparison.Ordinal)),
            $"case '{name}': expected an error at '{path}' containing '{fragment}', got:{Environment.NewLine}{ex.Message}");
    }

    [Fact]
    public void Read_OnMariaDb_RefusesReplication()
    {
        var document = """
            version: 1
            role: db
            cluster: demo
            aws: {region: us-east-1, bucket: my-bucket}
            dns: {zone: shop.internal, provider: rfc2136, rfc2136: {server: 10.0.0.53, key_name: k, key_secret: c2VjcmV0}}
            db:
              engine: mariadb
              mariadb: {port: 3306}
              replication: {mode: replica, password: x, allowed_cidrs: [10.0.0.0/16]}
            """;

        var ex = Assert.Throws<ConfigException>(() => AgentConfigReader.Read(document, "test", Roles));

        Assert.Contains(ex.Errors, e => e.Path == "db.replication.mode" && e.Message.Contains("postgresql only", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_WithDefaults_IsOffAndSafe_AndTheWritersNameKeepsTheNodesOwnRecordOffIt()
    {
        var off = AgentConfigReader.Read(Db.Replace("  replication: {mode: replica, password: {file: /etc/nodeagent/repl}, allowed_cidrs: [10.0.0.0/16]}", string.Empty), "test", Roles);
        var on = AgentConfigReader.Read(Db, "test", Roles);
        var replication = on.Section<DbSection>().Replication;
        var identity = new NodeAgent.Bootstrap.NodeIdentity { Cluster = "demo", Role = "db", NodeId = "db", InstanceId = "i-1", Address = System.Net.IPAddress.Loopback, Source = "test" };

        Assert.False(off.Section<DbSection>().Replication.Enabled);
        Assert.Empty(off.SharedDnsNames);
        Assert.Equal("db", DnsNames.RecordLabel(off, identity));
        Assert.Equal(ReplicationMode.Replica, replication.Mode);
        Assert.False(replication.AutoFailover);
        Assert.False(replication.Synchronous);
        Assert.Equal(SyncLossPolicy.Block, replication.OnSyncLoss);
        Assert.Equal(("db", "nodeagent_db_failover"), (replication.ClaimSettings.Label, replication.ClaimSettings.MetricPrefix));
        Assert.Equal("db-db", DnsNames.RecordLabel(on, identity));
    }
}
