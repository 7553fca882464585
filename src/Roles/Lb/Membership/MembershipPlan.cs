using NodeAgent.Roles.Lb.Haproxy;

namespace NodeAgent.Roles.Lb.Membership;

/// <summary>
/// What to change in HAProxy to match the registry: servers to add, to take out (drain, then delete), to point at a
/// new address, to hold out (drained: flapping), and to put back into rotation.
/// </summary>
public sealed record MembershipPlan(
    IReadOnlyList<HaproxyServer> Joins,
    IReadOnlyList<HaproxyServer> Leaves,
    IReadOnlyList<HaproxyServer> Moves,
    IReadOnlyList<HaproxyServer> Holds,
    IReadOnlyList<HaproxyServer> Releases)
{
    public bool IsEmpty => Joins.Count + Leaves.Count + Moves.Count + Holds.Count + Releases.Count == 0;

    public override string ToString()
        => $"join {Joins.Count}, leave {Leaves.Count}, move {Moves.Count}, hold {Holds.Count}, release {Releases.Count}";
}
