using Microsoft.Extensions.Logging;
using NodeAgent.Roles.Lb.Haproxy;

namespace NodeAgent.Roles.Lb.Membership;

/// <summary>
/// <c>lb.apply: reload</c>: the same plans applied by regenerating the config and reloading HAProxy (the comparison
/// baseline of <c>bench/membership</c>). Holds and releases, and the drain of leaves, still go through the runtime API.
/// </summary>
public sealed class ReloadApplier(
    IHaproxyRuntime runtime,
    HaproxyConfigFiles files,
    HaproxyProcess process,
    HeldServers held,
    MembershipGate gate,
    MembershipMetrics metrics,
    ILogger<ReloadApplier> logger) : IMembershipApplier
{
    public async Task ApplyAsync(MembershipPlan plan, IReadOnlyList<ServerState> running, CancellationToken cancellationToken)
    {
        await held.ApplyAsync(plan, cancellationToken);
        if (plan.Joins.Count + plan.Moves.Count == 0)
        {
            return;
        }

        await ReloadWithAsync(plan.Joins.Concat(plan.Moves).Aggregate(HaproxyMembership.FromRunning(running), (membership, server) => membership.With(server)), cancellationToken);
        foreach (var join in plan.Joins)
        {
            metrics.Applied(MembershipMetrics.Join);
            MembershipLog.Joined(logger, join.Path, join.Endpoint);
        }
    }

    /// <summary>Nothing: in this mode the files change only together with a reload.</summary>
    public Task PersistIfDriftedAsync(IReadOnlyList<ServerState> running, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Maintenance, then a reload without the server.</summary>
    public Task RemoveAsync(HaproxyServer server, CancellationToken cancellationToken)
        => gate.RunAsync(async () =>
        {
            await runtime.SetStateAsync(server.Backend, server.Name, "maint", cancellationToken);
            var running = HaproxyOutputParser.ServersState(await runtime.DumpServersStateAsync(cancellationToken));
            await ReloadWithAsync(HaproxyMembership.FromRunning(running).Without(server.Key), cancellationToken);
        }, cancellationToken);

    /// <summary>Writes the config for <paramref name="membership"/> and the state file, then reloads. The caller holds the gate.</summary>
    private async Task ReloadWithAsync(HaproxyMembership membership, CancellationToken cancellationToken)
    {
        files.Write(membership);
        files.WriteState(await runtime.DumpServersStateAsync(cancellationToken));
        await process.ReloadAsync(cancellationToken);
        metrics.Applied(MembershipMetrics.Reload);
    }
}
