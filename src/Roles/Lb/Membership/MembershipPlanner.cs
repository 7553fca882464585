using System.Net;
using NodeAgent.Roles.Lb.Haproxy;

namespace NodeAgent.Roles.Lb.Membership;

/// <summary>
/// Compares what should be (the desired servers) with what HAProxy runs (<c>show servers state</c>) and plans the
/// changes. Pure: no I/O, so every rule is tested directly. Servers already leaving are left alone; held servers are
/// not added, and ones that come back up during their hold are drained (no new traffic, checks go on) until it ends.
/// The agent owns the servers' admin state: a wanted server found drained or in maintenance for no reason of ours is
/// put back into rotation.
/// </summary>
public static class MembershipPlanner
{
    public static MembershipPlan Plan(
        IReadOnlyList<DesiredServer> desired,
        IReadOnlyList<ServerState> running,
        HaproxyMembership known,
        IReadOnlySet<ServerKey> leaving,
        IReadOnlySet<ServerKey> heldByUs,
        FlapDamper damper,
        DateTimeOffset now)
    {
        var ours = running.Where(s => s.Key is not null).ToDictionary(s => s.Key!.Value);
        var joins = new List<HaproxyServer>();
        var moves = new List<HaproxyServer>();
        var holds = new List<HaproxyServer>();
        var releases = new List<HaproxyServer>();
        var wanted = new HashSet<ServerKey>();
        var idsInUse = running.Where(s => s.App is not null).GroupBy(s => s.App!).ToDictionary(g => g.Key, g => g.Select(s => s.Id).ToList());
        foreach (var d in desired)
        {
            wanted.Add(d.Key);
            if (leaving.Contains(d.Key))
            {
                continue;
            }

            var held = damper.IsHeld(d.Key, now);
            if (ours.TryGetValue(d.Key, out var current))
            {
                var server = new HaproxyServer(d.App, d.NodeId, d.Address, d.Port, current.Id);
                if (!IPAddress.TryParse(current.Address, out var at) || !at.Equals(d.Address) || current.Port != d.Port)
                {
                    moves.Add(server);
                }

                if (held && !current.IsDown && !current.Draining && !current.InMaintenance)
                {
                    // Came back up within its hold-down: no new traffic (drain keeps the checks running) until it ends.
                    holds.Add(server);
                }
                else if (!held && (heldByUs.Contains(d.Key) || current.Draining || current.InMaintenance))
                {
                    // Hold over, or drained/in maintenance from before a restart of the agent: back into rotation.
                    releases.Add(server);
                }

                continue;
            }

            if (held)
            {
                continue;
            }

            var taken = idsInUse.GetValueOrDefault(d.App) ?? [];
            var id = known.Find(d.Key)?.Id is { } knownId && !taken.Contains(knownId) ? knownId : known.NextId(d.App, taken);
            taken.Add(id);
            idsInUse[d.App] = taken;
            joins.Add(new HaproxyServer(d.App, d.NodeId, d.Address, d.Port, id));
        }

        var leaves = ours
            .Where(kv => !wanted.Contains(kv.Key) && !leaving.Contains(kv.Key))
            .Select(kv => new HaproxyServer(kv.Value.App!, kv.Value.Name, IPAddress.TryParse(kv.Value.Address, out var a) ? a : IPAddress.None, kv.Value.Port, kv.Value.Id))
            .ToList();
        return new MembershipPlan(joins, leaves, moves, holds, releases);
    }
}
