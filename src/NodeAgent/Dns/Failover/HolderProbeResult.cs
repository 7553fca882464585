namespace NodeAgent.Dns.Failover;

/// <summary>The outcome of one probe round of the holder, with what was tried and what failed.</summary>
public sealed record HolderProbeResult(bool Healthy, string Detail);
