using Prometheus;

namespace NodeAgent.Roles.Lb.Membership;

/// <summary>What the lb applied to HAProxy, in the agent's own metrics registry.</summary>
public sealed class MembershipMetrics(IMetricFactory metrics)
{
    public const string Join = "join";
    public const string Leave = "leave";
    public const string Move = "move";
    public const string Hold = "hold";
    public const string Release = "release";
    public const string Reload = "reload";

    private readonly Counter _changes = metrics.CreateCounter(
        "nodeagent_lb_membership_changes_total", "HAProxy membership changes applied, by kind.", ["change"]);

    /// <summary>Counts one applied change: <see cref="Join"/>, <see cref="Leave"/>, <see cref="Move"/>, <see cref="Hold"/>, <see cref="Release"/> or <see cref="Reload"/>.</summary>
    public void Applied(string change) => _changes.WithLabels(change).Inc();
}
