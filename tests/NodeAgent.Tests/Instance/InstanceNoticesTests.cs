using NodeAgent.Instance;

namespace NodeAgent.Tests.Instance;

public sealed class InstanceNoticesTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void Parse_NothingInMetadata_IsNoNotice()
    {
        var notices = InstanceNotices.Parse(null, null, null, Now);

        Assert.Null(notices.TargetLifecycleState);
        Assert.False(notices.ScaleIn);
        Assert.Null(notices.Spot);
        Assert.Null(notices.RebalanceRecommendedAt);
    }

    [Theory]
    [InlineData("InService", false)]
    [InlineData("Terminated\n", true)]
    [InlineData("Warmed:Terminated", false)]
    [InlineData("Termin<script>", false)]
    public void Parse_TargetLifecycleState_OnlyTerminatedIsAScaleIn(string state, bool scaleIn)
        => Assert.Equal(scaleIn, InstanceNotices.Parse(state, null, null, Now).ScaleIn);

    [Fact]
    public void Parse_SpotAction_TakesItsActionAndTime()
    {
        var spot = InstanceNotices.Parse("InService", """{"action": "stop", "time": "2026-01-02T03:06:05Z"}""", null, Now).Spot;

        Assert.Equal(new SpotInterruption("stop", Now.AddMinutes(2)), spot);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("""{"action": 5}""")]
    [InlineData("[]")]
    [InlineData("""{"action": "explode", "time": "yesterday"}""")]
    public void Parse_AnUnreadableSpotNotice_IsStillAnInterruption_InTwoMinutes(string body)
        => Assert.Equal(new SpotInterruption("terminate", Now + InstanceNotices.SpotWarning), InstanceNotices.Parse(null, body, null, Now).Spot);

    [Fact]
    public void Parse_AHugeSpotNotice_IsNotParsed_ButStillCounts()
        => Assert.NotNull(InstanceNotices.Parse(null, new string('{', 1_000_000), null, Now).Spot);

    [Fact]
    public void Parse_Rebalance_TakesItsNoticeTime_OrNow()
    {
        Assert.Equal(Now.AddSeconds(-30), InstanceNotices.Parse(null, null, """{"noticeTime": "2026-01-02T03:03:35Z"}""", Now).RebalanceRecommendedAt);
        Assert.Equal(Now, InstanceNotices.Parse(null, null, "garbage", Now).RebalanceRecommendedAt);
    }
}
