using NodeAgent.Roles.Db.Postgres;

namespace NodeAgent.Tests.Roles.Db.Postgres;

public sealed class WalFileNameTests
{
    private const long Segment16M = 16L << 20;

    [Theory]
    [InlineData("000000010000000000000002", WalFileKind.Segment)]
    [InlineData("000000010000000000000002.partial", WalFileKind.Partial)]
    [InlineData("000000010000000000000002.00000028.backup", WalFileKind.BackupHistory)]
    [InlineData("00000002.history", WalFileKind.TimelineHistory)]
    public void Parse_RecognisesEveryKindPostgresArchives(string name, WalFileKind kind)
    {
        var file = WalFileName.Parse(name);

        Assert.Equal(kind, file.Kind);
        Assert.Equal(name, file.Name);
    }

    [Theory]
    [InlineData("00000001000000000000002")]
    [InlineData("00000001000000000000000g")]
    [InlineData("000000000000000000000002")]
    [InlineData("../../etc/passwd")]
    [InlineData("RECOVERYXLOG")]
    [InlineData("000000010000000000000002.backup")]
    public void TryParse_RejectsAnythingElse(string name)
    {
        Assert.False(WalFileName.TryParse(name, out _));
    }

    [Fact]
    public void Next_CrossesFromTheLastSegmentOfALogIdToTheNextLogId()
    {
        var last = WalFileName.Parse("0000000100000000000000FF");

        var next = last.Next(Segment16M);

        Assert.Equal("000000010000000100000000", next.Name);
        Assert.Equal(last.Position(Segment16M) + 1, next.Position(Segment16M));
    }

    [Fact]
    public void ForLsn_NamesTheSegmentHoldingTheLocation()
    {
        Assert.Equal("000000010000000000000002", WalFileName.ForLsn(1, Lsn.Parse("0/2000028"), Segment16M).Name);
        Assert.Equal("0000000300000001000000A3", WalFileName.ForLsn(3, Lsn.Parse("1/A3FFFFFF"), Segment16M).Name);
    }

    [Fact]
    public void Lsn_RoundTripsPostgresNotation()
    {
        var lsn = Lsn.Parse("16/B374D848");

        Assert.Equal("16/B374D848", lsn.ToString());
        Assert.True(Lsn.Parse("0/3000000") < lsn);
        Assert.False(Lsn.TryParse("16-B374D848", out _));
    }

    [Fact]
    public void BackupLabel_ReadsStartStopAndTimeline()
    {
        var label = BackupLabel.Parse("""
            START WAL LOCATION: 0/2000028 (file 000000010000000000000002)
            STOP WAL LOCATION: 0/2000100 (file 000000010000000000000002)
            CHECKPOINT LOCATION: 0/2000060
            START TIMELINE: 1
            LABEL: nodeagent 20250101T000000000Z
            """);

        Assert.Equal(Lsn.Parse("0/2000028"), label.Start);
        Assert.Equal(Lsn.Parse("0/2000100"), label.Stop);
        Assert.Equal(1u, label.Timeline);
        Assert.Equal("nodeagent 20250101T000000000Z", label.Label);
    }

    [Fact]
    public void RecoveryTarget_AtTime_WritesUtcTimeAndPromotes()
    {
        var settings = RecoveryTarget.AtTime(new DateTimeOffset(2025, 1, 31, 23, 59, 59, 123, TimeSpan.FromHours(2))).Settings().ToDictionary();

        Assert.Equal("2025-01-31 21:59:59.123000+00", settings["recovery_target_time"]);
        Assert.Equal("promote", settings["recovery_target_action"]);
        Assert.Equal("latest", settings["recovery_target_timeline"]);
        Assert.DoesNotContain("recovery_target_action", RecoveryTarget.Latest.Settings().ToDictionary().Keys);
    }
}
