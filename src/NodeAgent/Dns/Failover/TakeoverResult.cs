namespace NodeAgent.Dns.Failover;

/// <summary>
/// The outcome of <see cref="FailoverCoordinator.TakeOverNowAsync"/>: the lease this node now holds, or why it does not
/// (the epoch moved on, the name is not where the caller thought, or the write lost a race three times).
/// </summary>
public sealed record TakeoverResult(bool Applied, LeaseRecord? Lease, string Detail);
