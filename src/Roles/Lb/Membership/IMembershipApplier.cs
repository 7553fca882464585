using NodeAgent.Roles.Lb.Haproxy;

namespace NodeAgent.Roles.Lb.Membership;

/// <summary>
/// Applies membership plans to HAProxy, one implementation per <c>lb.apply</c>, chosen once at startup:
/// <see cref="RuntimeApiApplier"/> (<c>runtime_api</c>: add/set/del server, config written without a reload) or
/// <see cref="ReloadApplier"/> (<c>reload</c>: regenerate the config and reload). Leaves are drained by
/// <see cref="ServerLeaves"/> either way; only their last step, taking the drained server out, is the applier's.
/// </summary>
public interface IMembershipApplier
{
    /// <summary>
    /// The plan's joins, moves, holds and releases against the servers HAProxy runs (<paramref name="running"/>).
    /// The caller holds the <see cref="MembershipGate"/>.
    /// </summary>
    Task ApplyAsync(MembershipPlan plan, IReadOnlyList<ServerState> running, CancellationToken cancellationToken);

    /// <summary>
    /// Nothing to change, but HAProxy may run other servers than the written config says (a reload of an older file, a
    /// restart): bring the files in line where this mode keeps them so. The caller holds the <see cref="MembershipGate"/>.
    /// </summary>
    Task PersistIfDriftedAsync(IReadOnlyList<ServerState> running, CancellationToken cancellationToken);

    /// <summary>
    /// The end of a leave, after its drain: maintenance, then the server out of HAProxy and out of the written files.
    /// Takes the <see cref="MembershipGate"/> itself, step by step.
    /// </summary>
    Task RemoveAsync(HaproxyServer server, CancellationToken cancellationToken);
}
