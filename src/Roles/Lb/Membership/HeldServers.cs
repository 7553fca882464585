using Microsoft.Extensions.Logging;
using NodeAgent.Roles.Lb.Configuration;
using NodeAgent.Roles.Lb.Haproxy;

namespace NodeAgent.Roles.Lb.Membership;

/// <summary>
/// Servers this lb drained to hold them out of rotation during their flap hold-down (shown as <c>held</c> in the
/// balancer view), and the runtime API steps that hold and release them — the same with either apply mode. Used
/// inside the <see cref="MembershipGate"/>.
/// </summary>
public sealed class HeldServers(IHaproxyRuntime runtime, LbSection lb, MembershipMetrics metrics, ILogger<HeldServers> logger)
{
    private readonly HashSet<ServerKey> _held = [];

    /// <summary>The servers held now (a live view, for the planner).</summary>
    public IReadOnlySet<ServerKey> Keys => _held;

    public bool Contains(ServerKey key) => _held.Contains(key);

    /// <summary>A server that left is no longer held.</summary>
    public void Forget(ServerKey key) => _held.Remove(key);

    /// <summary>Drains the plan's holds (no new traffic, checks go on) and puts its releases back into rotation.</summary>
    public async Task ApplyAsync(MembershipPlan plan, CancellationToken cancellationToken)
    {
        foreach (var hold in plan.Holds)
        {
            await runtime.SetStateAsync(hold.Backend, hold.Name, "drain", cancellationToken);
            _held.Add(hold.Key);
            metrics.Applied(MembershipMetrics.Hold);
            MembershipLog.Held(logger, hold.Path, lb.FlapHoldDown.TotalSeconds);
        }

        foreach (var release in plan.Releases)
        {
            await runtime.SetStateAsync(release.Backend, release.Name, "ready", cancellationToken);
            _held.Remove(release.Key);
            metrics.Applied(MembershipMetrics.Release);
            MembershipLog.Released(logger, release.Path);
        }
    }
}
