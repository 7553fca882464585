using NodeAgent.Testing;
using Xunit.Abstractions;

namespace NodeAgent.Tests.Dns;

/// <summary>The claim race over real BIND (CI size; bench/dns-race runs 1000 trials).</summary>
[Collection(DnsCollection.Name)]
public sealed class ClaimRaceTests(ITestOutputHelper output)
{
    public const int Trials = 100;

    [Fact]
    public async Task TwoClaimersRacing_ForAFreeNameAndForATakeover_LeaveExactlyOneOwnerEveryTime()
    {
        await using var bind = await BindServer.StartAsync();

        var result = await ClaimRace.RunAsync(bind, Trials, output.WriteLine);

        output.WriteLine($"{result.Trials} trials in {result.Elapsed.TotalSeconds:0.0} s; lb-a won {result.WinsA}, lb-b won {result.WinsB}; {result.Conflicts} writes lost on the precondition");
        output.WriteLine(result.Json);
        Assert.Equal(0, result.SplitBrain);
        Assert.Equal(Trials, result.WinsA + result.WinsB);
        Assert.True(result.WinsA > 0 && result.WinsB > 0, $"one node won every race (a {result.WinsA}, b {result.WinsB}): the rounds did not overlap");
        Assert.True(result.Conflicts > 0, "no write ever lost on the precondition: the nodes never raced on the update itself");
    }
}
