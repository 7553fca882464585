using Prometheus;

namespace NodeAgent.Dns;

/// <summary>DNS registration and shared name claim instruments, in the agent's own metrics registry.</summary>
public sealed class DnsMetrics(IMetricFactory metrics)
{
    /// <summary>The lb pair's claim instruments' prefix (<c>nodeagent_lb_failover_*</c>), the default of every claim.</summary>
    public const string LbClaimPrefix = "nodeagent_lb_failover";

    private readonly Counter _updates = metrics.CreateCounter(
        "nodeagent_dns_updates_total", "DNS updates sent, by purpose and result (applied, precondition_failed, error).", ["purpose", "result"]);

    public Gauge Registered { get; } = metrics.CreateGauge("nodeagent_dns_registered", "1 while this node's own A record is registered and confirmed.");

    public Gauge FailoverActive => Claim(LbClaimPrefix).Active;

    public Gauge FailoverEpoch => Claim(LbClaimPrefix).Epoch;

    public Counter Takeovers => Claim(LbClaimPrefix).Takeovers;

    public Counter ProbeFailures => Claim(LbClaimPrefix).ProbeFailures;

    /// <summary>
    /// The instruments of one shared name claim, named <c>PREFIX_active</c>, <c>PREFIX_epoch</c>,
    /// <c>PREFIX_takeovers_total</c> and <c>PREFIX_probe_failures_total</c> (the lb pair's prefix is
    /// <see cref="LbClaimPrefix"/>). Asking twice gives the same instruments.
    /// </summary>
    public ClaimMetrics Claim(string prefix) => new(
        metrics.CreateGauge($"{prefix}_active", "1 while this node holds the shared name (active), 0 when standby or unknown."),
        metrics.CreateGauge($"{prefix}_epoch", "Fencing epoch of the shared name's lease as last seen."),
        metrics.CreateCounter($"{prefix}_takeovers_total", "Times this node took the shared name over from a peer."),
        metrics.CreateCounter($"{prefix}_probe_failures_total", "Failed probes of the node holding the shared name."));

    public void Update(string purpose, string result) => _updates.WithLabels(purpose, result).Inc();

    public void Update(string purpose, DnsUpdateResult result)
        => Update(purpose, result == DnsUpdateResult.Applied ? "applied" : "precondition_failed");
}

/// <summary>The instruments of one shared name claim (<see cref="DnsMetrics.Claim"/>).</summary>
public sealed record ClaimMetrics(Gauge Active, Gauge Epoch, Counter Takeovers, Counter ProbeFailures);
