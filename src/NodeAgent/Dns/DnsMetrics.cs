using Prometheus;

namespace NodeAgent.Dns;

/// <summary>DNS registration and lb failover instruments, in the agent's own metrics registry.</summary>
public sealed class DnsMetrics(IMetricFactory metrics)
{
    private readonly Counter _updates = metrics.CreateCounter(
        "nodeagent_dns_updates_total", "DNS updates sent, by purpose and result (applied, precondition_failed, error).", ["purpose", "result"]);

    public Gauge Registered { get; } = metrics.CreateGauge("nodeagent_dns_registered", "1 while this node's own A record is registered and confirmed.");

    public Gauge FailoverActive { get; } = metrics.CreateGauge("nodeagent_lb_failover_active", "1 while this lb node holds the shared name (active), 0 when standby or unknown.");

    public Gauge FailoverEpoch { get; } = metrics.CreateGauge("nodeagent_lb_failover_epoch", "Fencing epoch of the shared name's lease as last seen.");

    public Counter Takeovers { get; } = metrics.CreateCounter("nodeagent_lb_failover_takeovers_total", "Times this node took the shared name over from a peer.");

    public Counter ProbeFailures { get; } = metrics.CreateCounter("nodeagent_lb_failover_probe_failures_total", "Failed probes of the active peer.");

    public void Update(string purpose, string result) => _updates.WithLabels(purpose, result).Inc();

    public void Update(string purpose, DnsUpdateResult result)
        => Update(purpose, result == DnsUpdateResult.Applied ? "applied" : "precondition_failed");
}
