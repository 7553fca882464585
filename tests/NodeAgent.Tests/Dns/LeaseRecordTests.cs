using NodeAgent.Dns.Failover;

namespace NodeAgent.Tests.Dns;

public sealed class LeaseRecordTests
{
    private static readonly LeaseRecord Lease = new("lb1", 7, DateTimeOffset.FromUnixTimeSeconds(1_800_000_000), DateTimeOffset.FromUnixTimeSeconds(1_800_000_015));

    [Fact]
    public void Format_IsReadBackExactly()
    {
        Assert.Equal("nodeagent-lease v=1 owner=lb1 epoch=7 since=1800000000 expires=1800000015", Lease.Format());
        Assert.Equal(Lease, LeaseRecord.TryParse(Lease.Format()));
    }

    [Theory]
    [InlineData("nodeagent-lease v=2 owner=lb1 epoch=7 since=1 expires=2")]
    [InlineData("nodeagent-lease v=1 owner=../x epoch=7 since=1 expires=2")]
    [InlineData("nodeagent-lease v=1 owner=lb1 epoch=0 since=1 expires=2")]
    [InlineData("nodeagent-lease v=1 owner=lb1 epoch=-3 since=1 expires=2")]
    [InlineData("nodeagent-lease v=1 owner=lb1 epoch=7 since=1")]
    [InlineData("nodeagent-lease v=1 owner=lb1 owner=lb2 epoch=7 since=1 expires=2")]
    [InlineData("nodeagent-lease v=1 owner=lb1 epoch=7 since=1 expires=99999999999999999")]
    [InlineData("v=spf1 -all")]
    public void TryParse_RejectsMalformedLeases(string text) => Assert.Null(LeaseRecord.TryParse(text));

    [Fact]
    public void Find_IgnoresOtherTexts_ButRefusesTwoLeases()
    {
        Assert.Equal(Lease, LeaseRecord.Find(["v=spf1 -all", Lease.Format()]));
        Assert.Null(LeaseRecord.Find([Lease.Format(), (Lease with { Owner = "lb2" }).Format()]));
    }
}
