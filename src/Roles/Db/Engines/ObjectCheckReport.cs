namespace NodeAgent.Roles.Db.Engines;

/// <summary>What <c>backup verify</c> read without restoring: the backup, how many objects authenticated and matched, and their plaintext bytes.</summary>
public sealed record ObjectCheckReport(string BackupId, int Objects, long Bytes);
