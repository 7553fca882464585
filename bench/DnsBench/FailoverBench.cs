using System.Diagnostics;
using System.Globalization;
using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using NodeAgent.Dns.Failover;
using NodeAgent.Testing;

namespace NodeAgent.Bench.Dns;

/// <summary>
/// Two real lb agents (the nodeagent binary) fail over through a real BIND: each trial waits for a settled pair
/// (one active that has held the name for at least min_hold, one standby), kills the active node (agent and HAProxy) with SIGKILL, and
/// measures with a plain DNS client (unsigned queries to the BIND server, every 20 ms) how long until
/// <c>lb.&lt;zone&gt;</c> answers with the peer's address. The killed agent is restarted and rejoins as standby.
/// Interval 2 s, fall 2; the target is at most 3 intervals.
/// </summary>
public static class FailoverBench
{
    private const int IntervalMs = 2000;
    private static readonly TimeSpan MinHold = TimeSpan.FromSeconds(10);
    private static readonly string Failover = $"{{interval: {IntervalMs}ms, fall: 2, min_hold: {(int)MinHold.TotalSeconds}s, lease: 15s}}";

    public static async Task<int> RunAsync(int trials)
    {
        await using var stack = await LocalStack.StartAsync();
        var bucket = await stack.CreateBucketAsync("failover");
        await using var bind = await BindServer.StartAsync();
        using var dir = new TempDir("nodeagent-bench-failover");
        var nodes = new List<BenchNode>();
        foreach (var id in new[] { "lb1", "lb2" })
        {
            var address = LoopbackPorts.NextAddress();
            var http = LoopbackPorts.Free(address);
            var file = DnsUserData.Lb(stack, bucket, dir, "bench", id, address, http, bind, Failover);
            nodes.Add(new BenchNode(id, address, file, dir.Combine(id), dir.Combine($"{id}.log")));
        }

        using var dns = new DnsClient([bind.Address], [new UdpClientTransport(bind.Port)], true, 1000);
        var name = DomainName.Parse($"lb.{bind.Zone}");
        Console.WriteLine($"failover: {trials} trials, interval {IntervalMs} ms, fall 2, min_hold {MinHold.TotalSeconds:0} s; BIND 127.0.0.1:{bind.Port}; agent logs in {dir.Path}");
        var samples = new List<double>();
        try
        {
            foreach (var node in nodes)
            {
                await node.StartAsync();
            }

            for (var trial = 1; trial <= trials; trial++)
            {
                var (holder, standby) = await SettleAsync(dns, name, nodes);
                var clock = Stopwatch.StartNew();
                await holder.KillAsync();
                while (true)
                {
                    if ((await AddressesAsync(dns, name)).SequenceEqual([standby.Address]))
                    {
                        break;
                    }

                    if (clock.Elapsed > TimeSpan.FromSeconds(60))
                    {
                        throw new TimeoutException($"trial {trial}: {name} never moved to {standby.Id}; see {standby.Log}");
                    }

                    await Task.Delay(20);
                }

                var ms = clock.Elapsed.TotalMilliseconds;
                samples.Add(ms);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"trial {trial,2}: killed {holder.Id} (active); {name.ToString().TrimEnd('.')} answered {standby.Id} after {ms:0} ms ({ms / IntervalMs:0.00} intervals)"));
                await holder.StartAsync();
            }
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }

        var median = Statistics.Median(samples);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"failover: median {median:0} ms, min {samples.Min():0} ms, max {samples.Max():0} ms over {samples.Count} trials; "
            + $"anchor: detection budget fall x interval = {2 * IntervalMs} ms; median / interval = {median / IntervalMs:0.00} (target <= 3)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{{\"bench\":\"failover\",\"interval_ms\":{IntervalMs},\"failover_ms\":{Math.Round(median)}}}"));
        return median <= 3 * IntervalMs ? 0 : 1;
    }

    /// <summary>Waits until both agents are ready, one holds the name (for at least min_hold) and the other is standby.</summary>
    private static async Task<(BenchNode Holder, BenchNode Standby)> SettleAsync(DnsClient dns, DomainName name, List<BenchNode> nodes)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            var addresses = await AddressesAsync(dns, name);
            var texts = await TextsAsync(dns, name);
            var lease = LeaseRecord.Find(texts);
            var holder = nodes.FirstOrDefault(n => lease?.Owner == n.Id && addresses.SequenceEqual([n.Address]));
            if (holder is not null && lease is not null && DateTimeOffset.UtcNow - lease.Since >= MinHold + TimeSpan.FromSeconds(1))
            {
                var standby = nodes.Single(n => n != holder);
                if (await holder.ReadyAsync() && await standby.FailoverDetailAsync() is { } detail && detail.StartsWith("standby:", StringComparison.Ordinal))
                {
                    return (holder, standby);
                }
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"the pair never settled; see {string.Join(", ", nodes.Select(n => n.Log))}");
    }

    private static async Task<IReadOnlyList<IPAddress>> AddressesAsync(DnsClient dns, DomainName name)
    {
        var answer = await dns.ResolveAsync(name, RecordType.A, RecordClass.INet, new DnsQueryOptions { IsRecursionDesired = false });
        return answer?.AnswerRecords.OfType<ARecord>().Select(r => r.Address).ToList() ?? [];
    }

    private static async Task<IReadOnlyList<string>> TextsAsync(DnsClient dns, DomainName name)
    {
        var answer = await dns.ResolveAsync(name, RecordType.Txt, RecordClass.INet, new DnsQueryOptions { IsRecursionDesired = false });
        return answer?.AnswerRecords.OfType<TxtRecord>().Select(r => string.Concat(r.TextParts)).ToList() ?? [];
    }
}
