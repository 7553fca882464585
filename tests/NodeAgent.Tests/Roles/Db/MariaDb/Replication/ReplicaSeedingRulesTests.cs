using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Processes;
using NodeAgent.Roles.Db.MariaDb;
using NodeAgent.Roles.Db.MariaDb.Replication;
using NodeAgent.Storage;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Db.MariaDb.Replication;

/// <summary>The rules around seeding and promotion that need no server: GTID positions, server ids, the epoch claim.</summary>
public sealed class ReplicaSeedingRulesTests
{
    private static readonly MariaDbLayout Layout = new("c/backups/mariadb/db-p");

    [Fact]
    public async Task ADumpWithoutARecordedGtidPosition_IsRefusedForSeeding_WithTheReason()
    {
        var store = new ConditionalStore();
        await PutDumpAsync(store, "20260101T000000000Z", gtid: null);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => MariaDbReplicaSeeder.ChooseAsync(Restorer(store), Layout.Prefix, CancellationToken.None));

        Assert.Contains("20260101T000000000Z", ex.Message);
        Assert.Contains("no recorded GTID position", ex.Message);
    }

    [Fact]
    public async Task TheNewestDump_WithAGtidPosition_IsTheSeed()
    {
        var store = new ConditionalStore();
        await PutDumpAsync(store, "20260101T000000000Z", gtid: null);
        await PutDumpAsync(store, "20260102T000000000Z", gtid: "0-1-42,1-7-3");

        var dump = await MariaDbReplicaSeeder.ChooseAsync(Restorer(store), Layout.Prefix, CancellationToken.None);

        Assert.Equal("20260102T000000000Z", dump.Id);
        Assert.Equal("0-1-42,1-7-3", dump.GtidPosition);
    }

    [Fact]
    public void ServerIds_AreStablePerNode_DifferAcrossNodes_AndNeverZero()
    {
        var ids = Enumerable.Range(0, 2000).Select(i => ServerIds.For("shop", $"db-{i}")).ToList();

        Assert.Equal(ServerIds.For("shop", "db-7"), ServerIds.For("shop", "db-7"));
        Assert.NotEqual(ServerIds.For("shop", "db-7"), ServerIds.For("other", "db-7"));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.DoesNotContain(0u, ids);
    }

    [Theory]
    [InlineData("""{"format":1,"node_id":"db-r","epoch":0}""", "epoch 0")]
    [InlineData("""{"format":1,"node_id":"../x","epoch":2}""", "node_id")]
    [InlineData("""{"format":2,"node_id":"db-r","epoch":2}""", "format 2")]
    [InlineData("""{"format":1,"node_id":"db-r","epoch":2,"extra":1}""", "not a valid primary claim")]
    [InlineData("""not json""", "not a valid primary claim")]
    public void AHostileOrMalformedClaim_IsRefusedWithWhatIsWrong(string json, string reason)
    {
        var ex = Assert.Throws<InvalidDataException>(() => PrimaryClaim.Parse(System.Text.Encoding.UTF8.GetBytes(json), "c/replication/mariadb/primary.json"));

        Assert.Contains(reason, ex.Message);
        Assert.Contains("primary.json", ex.Message);
    }

    [Fact]
    public void AValidClaim_RoundTrips()
    {
        var claim = new PrimaryClaim { NodeId = "db-r", Epoch = 3, Since = DateTimeOffset.UnixEpoch, Previous = "db-p" };

        Assert.Equal(claim, PrimaryClaim.Parse(claim.ToJsonBytes(), "k"));
    }

    private static MariaDbRestorer Restorer(IObjectStore store) => new(store, Layout, new CliWrapProcessRunner(), NullLogger.Instance);

    private static async Task PutDumpAsync(IObjectStore store, string id, string? gtid)
    {
        var manifest = new DumpManifest
        {
            Id = id,
            StartTime = DateTimeOffset.UnixEpoch,
            StopTime = DateTimeOffset.UnixEpoch.AddSeconds(1),
            BinlogFile = "mariadb-bin.000002",
            BinlogPosition = 4,
            GtidPosition = gtid,
            SqlSha256 = new string('0', 64),
            StoredSha256 = new string('0', 64),
        };
        await store.PutAsync(Layout.Dump(id), new byte[] { 1 }, null, CancellationToken.None);
        await store.PutAsync(Layout.Manifest(id), manifest.ToJsonBytes(), null, CancellationToken.None);
    }
}
