namespace NodeAgent.Roles.Db.MariaDb.Replication;

/// <summary>The MariaDB primary as the registry shows it: its node id, where replicas connect, its epoch and last position.</summary>
public sealed record MariaDbPrimary(string NodeId, string Host, int Port, long Epoch, string? Position);
