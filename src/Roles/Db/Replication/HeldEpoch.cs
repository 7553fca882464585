namespace NodeAgent.Roles.Db.Replication;

/// <summary>What this node last was (<c>primary</c> or <c>replica</c>), and the epoch it held or followed.</summary>
public sealed record HeldEpoch(string Role, long Epoch, long? Timeline);
