using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Dns;
using NodeAgent.Dns.Failover;
using NodeAgent.Dns.Rfc2136;

namespace NodeAgent.Testing;

/// <summary>
/// Two lb nodes race for the shared name over the real update path (their own <see cref="FailoverCoordinator"/>, their
/// own RFC 2136 provider and TCP connection, one BIND). Even trials race for a free name (first claim, "name not in
/// use"); odd trials race to take the name over from a dead holder whose lease has expired (value-dependent
/// compare-and-swap). Both rounds start together. A trial is split-brain unless exactly one node ends its round
/// active and DNS holds exactly that node's address and lease. Shared by the CI test and bench/dns-race.
/// </summary>
public static class ClaimRace
{
    public static async Task<ClaimRaceResult> RunAsync(BindServer bind, int trials, Action<string>? log = null)
    {
        var time = TimeProvider.System;
        var a = new FailoverNode(bind, "lb-a", IPAddress.Parse("10.9.0.1"), time);
        var b = new FailoverNode(bind, "lb-b", IPAddress.Parse("10.9.0.2"), time);
        using var admin = new Rfc2136Provider(bind.Zone, bind.Config(), TimeSpan.FromSeconds(5), time, NullLogger<Rfc2136Provider>.Instance);
        var name = a.Coordinator.Name;
        var split = 0;
        var wins = new Dictionary<string, int> { ["lb-a"] = 0, ["lb-b"] = 0 };
        var clock = Stopwatch.StartNew();
        try
        {
            for (var trial = 0; trial < trials; trial++)
            {
                var takeover = trial % 2 == 1;
                var now = time.GetUtcNow();
                var setup = takeover
                    ? DnsRecordSet.Of(IPAddress.Parse("10.9.0.99"), 30, new LeaseRecord("lb-dead", trial + 1, now.AddMinutes(-5), now.AddMinutes(-1)).Format())
                    : DnsRecordSet.Empty;
                await admin.UpdateAsync(new DnsUpdate(name, DnsPrecondition.None, setup, 30), CancellationToken.None);

                var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var ra = Task.Run(async () => { await start.Task; return await a.RunOnceAsync(); });
                var rb = Task.Run(async () => { await start.Task; return await b.RunOnceAsync(); });
                start.SetResult();
                var roles = await Task.WhenAll(ra, rb);

                var truth = await admin.ReadAsync(name, CancellationToken.None);
                var lease = LeaseRecord.Find(truth.Texts);
                var active = new[] { (Node: a, Role: roles[0]), (Node: b, Role: roles[1]) }.Where(x => x.Role == FailoverRole.Active).ToList();
                var ok = active.Count == 1
                         && lease is not null && lease.Owner == active[0].Node.NodeId
                         && lease.Epoch == (takeover ? trial + 2 : lease.Epoch)
                         && truth.Addresses.Count == 1 && truth.Addresses[0].Equals(active[0].Node.Address);
                if (!ok)
                {
                    split++;
                    log?.Invoke($"trial {trial} ({(takeover ? "takeover" : "claim")}): roles {roles[0]}/{roles[1]}, DNS {truth}");
                }
                else
                {
                    wins[active[0].Node.NodeId]++;
                }
            }
        }
        finally
        {
            a.Dispose();
            b.Dispose();
        }

        var conflicts = a.Logger.Entries.Concat(b.Logger.Entries).Count(e => e.EventId == 5025);
        return new ClaimRaceResult(trials, split, wins["lb-a"], wins["lb-b"], conflicts, clock.Elapsed);
    }
}

/// <summary>
/// How a claim race went: trials, split-brain trials, how often each node won, and how many writes lost on the
/// server's precondition check (both nodes had read the same state and written; the compare-and-swap decided).
/// </summary>
public sealed record ClaimRaceResult(int Trials, int SplitBrain, int WinsA, int WinsB, int Conflicts, TimeSpan Elapsed)
{
    public string Json => $"{{\"race_trials\":{Trials},\"split_brain\":{SplitBrain}}}";
}
