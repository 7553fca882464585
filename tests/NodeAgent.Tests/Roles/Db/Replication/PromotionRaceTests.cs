using NodeAgent.Testing;
using NodeAgent.Testing.Replication;
using Xunit.Abstractions;

namespace NodeAgent.Tests.Roles.Db.Replication;

/// <summary>Two replicas deciding at the same moment to take over from a dead primary, over real BIND: 500 trials.</summary>
[Collection(NodeAgent.Tests.Dns.DnsCollection.Name)]
public sealed class PromotionRaceTests(ITestOutputHelper output)
{
    public const int Trials = 500;

    [Fact]
    public async Task TwoReplicasDecidingAtOnce_ExactlyOnePromotes_EveryTrial()
    {
        await using var bind = await BindServer.StartAsync();

        var result = await PromotionRace.RunAsync(bind, Trials, output.WriteLine);

        output.WriteLine($"{result.Trials} trials in {result.Elapsed.TotalSeconds:0.0} s; db-a promoted {result.PromotedA}, db-b {result.PromotedB}; {result.Conflicts} writes lost on the precondition");
        Assert.Equal(0, result.Failed);
        Assert.Equal(Trials, result.PromotedA + result.PromotedB);
        Assert.True(result.PromotedB >= Trials / 4, $"db-b promoted only {result.PromotedB} times: the trials where it is ahead did not go its way");
        Assert.True(result.Conflicts > 0, "no write ever lost on the precondition: in the trials where both believe they are best, the nodes never raced on the update");
    }
}
