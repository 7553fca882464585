using System.Text;
using NodeAgent.Cli;
using NodeAgent.Registry;

namespace NodeAgent.Tests.Registry;

/// <summary>A db node's replication view in the registry: checked like every other part of a record, and shown by <c>status --cluster</c>.</summary>
public sealed class DatabaseViewTests
{
    private const string Key = "c1/nodes/db/db-2.json";

    private static NodeRecord Replica() => new()
    {
        Cluster = "c1",
        Role = "db",
        NodeId = "db-2",
        InstanceId = "i-2",
        Address = "10.0.0.6",
        StartedAt = DateTimeOffset.UnixEpoch,
        HeartbeatAt = DateTimeOffset.UnixEpoch,
        Database = new DatabaseView
        {
            Role = DatabaseView.Replica, Engine = "postgresql", State = "streaming", Timeline = 2, Position = "0/3000148", ReplayPosition = "0/3000100",
            LagBytes = 72, LagSeconds = 0.5, Epoch = 3, Upstream = "db-1",
        },
    };

    public static TheoryData<DatabaseView, string> BadViews() => new()
    {
        { Replica().Database! with { Role = "leader" }, "role 'leader' is not one of" },
        { Replica().Database! with { Position = "0/3000148; DROP TABLE x" }, "a position is not of the form" },
        { Replica().Database! with { ReplayPosition = new string('1', 201) }, "a position is not of the form" },
        { Replica().Database! with { LagBytes = -1 }, "lag_bytes is negative" },
        { Replica().Database! with { LagSeconds = -1.5 }, "lag_seconds is negative" },
        { Replica().Database! with { Upstream = "../db-1" }, "upstream is not a node id" },
        { Replica().Database! with { Holds = "db.shop internal" }, "holds is not a DNS name" },
        { Replica().Database! with { Detail = "line\nbreak" }, "detail is too long or has control characters" },
        { Replica().Database! with { State = "Streaming!" }, "state is not a name" },
    };

    [Theory]
    [MemberData(nameof(BadViews))]
    public void Parse_RefusesAViewAnEngineWouldNeverWrite(DatabaseView view, string reason)
    {
        var (record, error) = NodeRecordJson.Parse(Key, NodeRecordJson.Serialize(Replica() with { Database = view }), "c1", "db");

        Assert.Null(record);
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Parse_AcceptsAGtidSetAsAPosition_ForEnginesThatWriteThose()
    {
        var view = Replica().Database! with { Position = "0-1-100,1-2-5", ReplayPosition = "0-1-99" };

        var (record, error) = NodeRecordJson.Parse(Key, NodeRecordJson.Serialize(Replica() with { Database = view }), "c1", "db");

        Assert.Null(error);
        Assert.Equal("0-1-100,1-2-5", record!.Database!.Position);
    }

    [Fact]
    public void StatusTable_ShowsTheHolderOfTheWritersName_ThenPrimaryAndReplicasWithLag()
    {
        var primary = Replica() with
        {
            NodeId = "db-1",
            Address = "10.0.0.5",
            Database = new DatabaseView { Role = DatabaseView.Primary, Engine = "postgresql", State = "serving", Timeline = 2, Position = "0/3000148", Epoch = 3, Holds = "db.shop.internal" },
        };
        var listing = new RegistryListing(
        [
            new RegistryEntry("c1/nodes/db/db-2.json", Replica(), TimeSpan.FromSeconds(3), false),
            new RegistryEntry("c1/nodes/db/db-1.json", primary, TimeSpan.FromSeconds(1), false),
        ], []);

        var text = ClusterStatusTable.Format("c1", listing);

        Assert.Contains("databases: db.shop.internal held by db-1 (epoch 3)", text);
        var lines = text.Split('\n');
        var header = Array.FindIndex(lines, l => l.StartsWith("NODE  ROLE", StringComparison.Ordinal));
        Assert.Matches(@"^db-1\s+primary\s+serving\s+2\s+0/3000148\s+-\s+-\s+3\s+-", lines[header + 1]);
        Assert.Matches(@"^db-2\s+replica\s+streaming\s+2\s+0/3000148\s+0/3000100\s+72 B, 0.5 s\s+3\s+db-1", lines[header + 2]);
    }

    [Fact]
    public void Board_PublishesAChangeOfShapeAtOnce_ButNotMovingFigures()
    {
        var board = new NodeStatusBoard();
        var changes = 0;
        board.Changed += () => changes++;
        var view = Replica().Database!;

        board.SetDatabase(view);
        board.SetDatabase(view with { Position = "0/4000000", LagBytes = 5 });
        board.SetDatabase(view with { State = "archive" });

        Assert.Equal(2, changes);
        Assert.Equal("archive", board.Database!.State);
    }
}
