namespace NodeAgent.Roles.Db.Engines;

/// <summary>
/// How a replica was built or rejoined: <c>full</c> (restore into an empty directory), <c>delta</c> (only what differed
/// from the backup), <c>rewind</c> (onto the new primary's history), or <c>none</c>; from which backup, and how many bytes
/// were fetched from the archive for it (against the backup's stored size, for comparison).
/// </summary>
public sealed record BuildReport(string Method, string? BackupId, long BytesFetched, long BackupStoredBytes, string Detail);
