using NodeAgent.Testing;

namespace NodeAgent.Bench.Dns;

/// <summary>Two lb nodes race for the shared name over RFC 2136 against a real BIND; exactly one may own it each time.</summary>
public static class RaceBench
{
    public static async Task<int> RunAsync(int trials)
    {
        await using var bind = await BindServer.StartAsync();
        Console.WriteLine($"race: {trials} trials against BIND on 127.0.0.1:{bind.Port}, zone {bind.Zone}");
        var result = await ClaimRace.RunAsync(bind, trials, line => Console.WriteLine($"SPLIT BRAIN: {line}"));
        Console.WriteLine($"race: {result.Trials} trials in {result.Elapsed.TotalSeconds:0.0} s "
            + $"({result.Elapsed.TotalMilliseconds / result.Trials:0.0} ms per trial); lb-a won {result.WinsA}, lb-b won {result.WinsB}; "
            + $"{result.Conflicts} writes lost on the server's precondition check; split brain {result.SplitBrain}");
        Console.WriteLine(result.Json);
        return result.SplitBrain == 0 ? 0 : 1;
    }
}
