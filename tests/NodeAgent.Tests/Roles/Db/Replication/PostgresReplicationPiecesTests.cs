using System.Net;
using NodeAgent.Configuration;
using NodeAgent.Roles.Db.Engines;
using NodeAgent.Roles.Db.Postgres.Replication;
using NodeAgent.Roles.Db.Postgres.Server;
using NodeAgent.Roles.Db.Replication.Switchover;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Db.Replication;

/// <summary>The small PostgreSQL pieces of replication: the secret's passfile and verifier, conninfo, managed settings, pg_hba, synchronous names, messages.</summary>
public sealed class PostgresReplicationPiecesTests
{
    [Fact]
    public void ScramVerifier_MatchesItsPassword_AndNoOther()
    {
        var verifier = ScramVerifier.Create("s3cret:with\\odd chars");

        Assert.StartsWith("SCRAM-SHA-256$4096:", verifier);
        Assert.DoesNotContain("s3cret", verifier);
        Assert.True(ScramVerifier.Matches(verifier, "s3cret:with\\odd chars"));
        Assert.False(ScramVerifier.Matches(verifier, "s3cret"));
        Assert.False(ScramVerifier.Matches("md5abc", "s3cret"));
        Assert.Throws<ArgumentException>(() => ScramVerifier.Create("naïve"));
    }

    [Fact]
    public void Passfile_IsPrivateFromItsFirstByte_AndEscapesTheSecret()
    {
        using var dir = new TempDir("nodeagent-passfile");
        var path = dir.Combine("replication.pgpass");

        var written = ReplicationPassfile.Write(path, "replicator", SecretValue.Literal("a:b\\c"), null);
        var again = ReplicationPassfile.Write(path, "replicator", SecretValue.Literal("a:b\\c"), null);

        Assert.True(written);
        Assert.False(again);
        Assert.Equal("*:*:*:replicator:a\\:b\\\\c\n", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, new FileInfo(path).UnixFileMode);
    }

    [Fact]
    public void ConnInfo_NamesThePassfile_NeverAPassword()
    {
        var text = ConnInfo.For(new PeerEndpoint("db-1", IPAddress.Parse("10.0.0.5"), 5432), "replicator", "/var/lib/nodeagent/postgres/replication.pgpass", "db-2");

        Assert.StartsWith("host=10.0.0.5 port=5432 user=replicator passfile=/var/lib/nodeagent/postgres/replication.pgpass dbname=postgres application_name=db-2", text);
        Assert.DoesNotContain("password", text);
        Assert.Equal("10.0.0.5", ConnInfo.Value(text, "host"));
    }

    [Fact]
    public void AutoConf_ReplacesOnlyTheManagedNames_AndKeepsTheOperatorsLines()
    {
        using var dir = new TempDir("nodeagent-autoconf");
        File.WriteAllText(dir.Combine("postgresql.auto.conf"), "# Do not edit\nwork_mem = '64MB'\nport = '5433'\nport = '5434'\n");

        var changed = PostgresAutoConf.Apply(dir.Path, new Dictionary<string, string?> { ["port"] = "6432", ["primary_conninfo"] = "host=a user='o''b'", ["recovery_target"] = null }, null);
        var unchanged = PostgresAutoConf.Apply(dir.Path, new Dictionary<string, string?> { ["port"] = "6432", ["primary_conninfo"] = "host=a user='o''b'", ["recovery_target"] = null }, null);

        Assert.True(changed);
        Assert.False(unchanged);
        var text = File.ReadAllText(dir.Combine("postgresql.auto.conf"));
        Assert.Contains("work_mem = '64MB'", text);
        Assert.Single(text.Split('\n'), l => l.StartsWith("port", StringComparison.Ordinal));
        Assert.Equal("6432", PostgresAutoConf.Read(dir.Path, "port"));
        Assert.Equal("host=a user='o''b'", PostgresAutoConf.Read(dir.Path, "primary_conninfo"));
        Assert.Throws<ArgumentException>(() => PostgresAutoConf.Literal("a\nb"));
    }

    [Fact]
    public void Hba_PutsItsBlockFirst_AndReplacesItWhole()
    {
        using var dir = new TempDir("nodeagent-hba");
        var path = dir.Combine("pg_hba.conf");
        File.WriteAllText(path, "host all all 0.0.0.0/0 trust\n");

        PostgresHba.Apply(path, "replicator", [IPNetwork.Parse("10.0.0.0/16")], null);
        PostgresHba.Apply(path, "replicator", [IPNetwork.Parse("10.1.0.0/16")], null);

        var lines = File.ReadAllLines(path);
        Assert.StartsWith("# BEGIN nodeagent replication", lines[0]);
        Assert.Equal("host    replication    \"replicator\"    10.1.0.0/16    scram-sha-256", lines[1]);
        Assert.DoesNotContain(lines, l => l.Contains("10.0.0.0/16", StringComparison.Ordinal));
        Assert.Equal("host all all 0.0.0.0/0 trust", lines[^1]);
    }

    [Theory]
    [InlineData("", new string[0])]
    [InlineData("ANY 1 (\"db-2\", \"db-3\")", new[] { "db-2", "db-3" })]
    [InlineData("FIRST 1 (db-3, db-2)", new[] { "db-2", "db-3" })]
    [InlineData("db-2", new[] { "db-2" })]
    public void SynchronousNames_ReadWhatTheyWrite(string setting, string[] names)
    {
        Assert.Equal(names, SynchronousNames.Parse(setting));
        Assert.Equal(names, SynchronousNames.Parse(SynchronousNames.Format(names)));
    }

    [Theory]
    [InlineData("{\"cluster\":\"c1\",\"target\":\"db-2\",\"request_id\":\"short\",\"requested_by\":\"cli\"}", "request_id")]
    [InlineData("{\"cluster\":\"c1\",\"target\":\"../x\",\"request_id\":\"20260101t000000-abcd\",\"requested_by\":\"cli\"}", "target")]
    [InlineData("{\"cluster\":\"c1\",\"target\":\"db-2\",\"expected_epoch\":0,\"request_id\":\"20260101t000000-abcd\",\"requested_by\":\"cli\"}", "expected_epoch")]
    [InlineData("{\"cluster\":\"c1\",\"target\":\"db-2\",\"request_id\":\"20260101t000000-abcd\",\"requested_by\":\"cli\",\"force\":true}", "not valid")]
    [InlineData("null", "JSON null")]
    public void PromoteMessage_WithABadBody_IsRejectedWithAReason(string body, string reason)
    {
        var (message, error) = DbPromoteMessage.Parse(body);

        Assert.Null(message);
        Assert.Contains(reason, error);
    }

    [Fact]
    public void StopWritesMessage_RoundTrips_AndRefusesAZeroEpoch()
    {
        var message = new DbStopWritesMessage { Cluster = "c1", Primary = "db-1", Epoch = 3, Target = "db-2", RequestId = "20260101t000000-abcd" };

        Assert.Equal(message, DbStopWritesMessage.Parse(message.Serialize()).Message);
        Assert.Contains("epoch", DbStopWritesMessage.Parse(message.Serialize().Replace("\"epoch\":3", "\"epoch\":0", StringComparison.Ordinal)).Error);
    }
}
