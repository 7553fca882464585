namespace NodeAgent.Roles.Db.Backup;

/// <summary>A finished full backup, for logs and metrics.</summary>
public sealed record BackupRun(string Id, DateTimeOffset Finished, TimeSpan Duration, long StoredBytes);
