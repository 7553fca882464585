namespace NodeAgent.Dns.Failover;

/// <summary>
/// How a role claims a shared name in its zone with a lease and an epoch (the lb pair's <c>lb</c>, a db primary's
/// <c>db</c>): the label, how often a round runs, how many failed probes of the holder make a takeover, how long a new
/// holder keeps the name at least, and the lease written in the TXT record. The role that owns the name builds these
/// from its own section. <paramref name="MetricPrefix"/> names the claim's instruments (<see cref="DnsMetrics.Claim"/>).
/// </summary>
public sealed record SharedNameClaimSettings(string Label, TimeSpan Interval, int Fall, TimeSpan MinHold, TimeSpan Lease,
    string MetricPrefix = DnsMetrics.LbClaimPrefix);
