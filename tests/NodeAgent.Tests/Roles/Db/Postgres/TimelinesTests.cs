using NodeAgent.Roles.Db.Postgres;
using NodeAgent.Roles.Db.Postgres.Replication;

namespace NodeAgent.Tests.Roles.Db.Postgres;

/// <summary>Which timeline a point-in-time restore follows, from the archive's history files and promotion records.</summary>
public sealed class TimelinesTests
{
    private static readonly DateTimeOffset Promoted = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ForTime_AfterThePromotion_FollowsTheLatest()
        => Assert.Null(Catalog(oldTimelineWentOn: true).ForTime(Promoted.AddSeconds(1)));

    [Fact]
    public void ForTime_BeforeThePromotion_WhenTheOldTimelineWentOnInTheArchive_StaysOnIt()
        => Assert.Equal(1L, Catalog(oldTimelineWentOn: true).ForTime(Promoted.AddSeconds(-1)));

    [Fact]
    public void ForTime_BeforeThePromotion_WhenTheOldTimelineEndsAtTheSwitchPoint_FollowsTheLatest()
        => Assert.Null(Catalog(oldTimelineWentOn: false).ForTime(Promoted.AddSeconds(-1)));

    [Fact]
    public void ForTime_WithoutAPromotionRecord_FollowsTheLatest()
    {
        var catalog = Catalog(oldTimelineWentOn: true) with
        {
            ByNumber = new Dictionary<long, TimelineInfo> { [2] = new(2, 1, Lsn.Parse("0/3000148"), null) },
        };

        Assert.Null(catalog.ForTime(Promoted.AddSeconds(-1)));
    }

    [Theory]
    [InlineData("1\t0/3000148\tno recovery target specified\n", 1L, "0/3000148")]
    [InlineData("1\t0/3000148\tno recovery target specified\n\n2\t0/5000000\tno recovery target specified\n", 2L, "0/5000000")]
    public void ParseHistory_GivesTheLastBranch(string text, long parent, string at)
        => Assert.Equal((parent, Lsn.Parse(at)), Timelines.ParseHistory(text));

    [Fact]
    public void ParseHistory_OfGarbage_GivesNothing() => Assert.Null(Timelines.ParseHistory("not a history file"));

    private static Timelines Catalog(bool oldTimelineWentOn)
        => new(
            new Dictionary<long, TimelineInfo>
            {
                [2] = new(2, 1, Lsn.Parse("0/3000148"), new TimelineRecord { Timeline = 2, Node = "db-2", Epoch = 2, Reason = "failover", PromotedAt = Promoted }),
            },
            oldTimelineWentOn ? new HashSet<string> { "000000010000000000000002", "000000010000000000000003" } : new HashSet<string> { "000000010000000000000002" },
            16L << 20);
}
