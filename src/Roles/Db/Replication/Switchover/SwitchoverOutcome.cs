namespace NodeAgent.Roles.Db.Replication.Switchover;

/// <summary>How a planned switchover ended: the request, the target, the epoch and timeline it took, or why it was refused or failed.</summary>
public sealed record SwitchoverOutcome(bool Succeeded, string RequestId, string? Target, long? Epoch, long? Timeline, string Detail);
