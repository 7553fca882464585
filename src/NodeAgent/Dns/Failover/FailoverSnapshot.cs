namespace NodeAgent.Dns.Failover;

/// <summary>One observation of the shared name: who holds it (node id), its epoch and lease expiry, and what this node is.</summary>
public sealed record FailoverSnapshot(FailoverRole Role, string? Holder, long Epoch, DateTimeOffset? LeaseExpires, string Detail);
