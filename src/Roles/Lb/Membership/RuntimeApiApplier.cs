using Microsoft.Extensions.Logging;
using NodeAgent.Roles.Lb.Configuration;
using NodeAgent.Roles.Lb.Haproxy;

namespace NodeAgent.Roles.Lb.Membership;

/// <summary>
/// <c>lb.apply: runtime_api</c> (the default): changes go through the runtime API — joins: add server, enable health,
/// enable server; moves: set server addr; leaves: maintenance, shutdown sessions, del server — and the config,
/// <c>membership.json</c> and the server-state file are rewritten for the next reload or restart, without reloading.
/// </summary>
public sealed class RuntimeApiApplier(
    IHaproxyRuntime runtime,
    HaproxyConfigFiles files,
    LbSection lb,
    HeldServers held,
    MembershipGate gate,
    MembershipMetrics metrics,
    TimeProvider time,
    ILogger<RuntimeApiApplier> logger) : IMembershipApplier
{
    private static readonly TimeSpan DeleteRetryFor = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan DeleteRetryEvery = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The config is written first (write-ahead): if the agent dies between the two, a restarted HAProxy still gets the
    /// new server from the file, and a server that a reload already brought in is just enabled.
    /// </summary>
    public async Task ApplyAsync(MembershipPlan plan, IReadOnlyList<ServerState> running, CancellationToken cancellationToken)
    {
        if (plan.Joins.Count + plan.Moves.Count > 0)
        {
            files.Write(plan.Joins.Concat(plan.Moves).Aggregate(HaproxyMembership.FromRunning(running), (membership, server) => membership.With(server)));
        }

        foreach (var join in plan.Joins)
        {
            var backend = lb.Backends.First(b => b.App == join.App);
            try
            {
                await runtime.AddServerAsync(join.Backend, join.Name, HaproxyConfigRenderer.ServerArguments(backend, join), cancellationToken);
            }
            catch (HaproxyCommandException ex) when (ex.Answer.Contains("Already exists", StringComparison.OrdinalIgnoreCase))
            {
                // A reload loaded it from the file written above.
            }

            await runtime.EnableHealthAsync(join.Backend, join.Name, cancellationToken);
            await runtime.EnableServerAsync(join.Backend, join.Name, cancellationToken);
            metrics.Applied(MembershipMetrics.Join);
            MembershipLog.Joined(logger, join.Path, join.Endpoint);
        }

        foreach (var move in plan.Moves)
        {
            await runtime.SetAddressAsync(move.Backend, move.Name, move.Address, move.Port, cancellationToken);
            metrics.Applied(MembershipMetrics.Move);
            MembershipLog.Moved(logger, move.Path, move.Endpoint);
        }

        await held.ApplyAsync(plan, cancellationToken);
        if (plan.Joins.Count + plan.Moves.Count + plan.Holds.Count + plan.Releases.Count > 0)
        {
            await PersistAsync(cancellationToken);
        }
    }

    public async Task PersistIfDriftedAsync(IReadOnlyList<ServerState> running, CancellationToken cancellationToken)
    {
        if (!files.Membership.SameServersAs(running))
        {
            await PersistAsync(cancellationToken);
        }
    }

    /// <summary>Maintenance and shutdown sessions, then del server — retried while HAProxy still holds connections to it — then the files.</summary>
    public async Task RemoveAsync(HaproxyServer server, CancellationToken cancellationToken)
    {
        await gate.RunAsync(async () =>
        {
            await runtime.SetStateAsync(server.Backend, server.Name, "maint", cancellationToken);
            await runtime.ShutdownSessionsAsync(server.Backend, server.Name, cancellationToken);
        }, cancellationToken);
        var until = time.GetUtcNow() + DeleteRetryFor;
        var attempts = 0;
        while (!await gate.RunAsync(() => runtime.TryDeleteServerAsync(server.Backend, server.Name, cancellationToken), cancellationToken))
        {
            attempts++;
            if (time.GetUtcNow() >= until)
            {
                throw new HaproxyCommandException($"del server {server.Path}", $"connections remained after {attempts} attempts");
            }

            await Task.Delay(DeleteRetryEvery, time, cancellationToken);
        }

        await gate.RunAsync(() => PersistAsync(cancellationToken), cancellationToken);
    }

    /// <summary>Writes the config, membership.json and state file for the servers HAProxy runs now (no reload).</summary>
    private async Task PersistAsync(CancellationToken cancellationToken)
    {
        var dump = await runtime.DumpServersStateAsync(cancellationToken);
        files.Write(HaproxyMembership.FromRunning(HaproxyOutputParser.ServersState(dump)));
        files.WriteState(dump);
    }
}
