namespace NodeAgent.Roles.Db.Postgres;

/// <summary>What <see cref="PostgresVerifier"/> found: the backup restored, PostgreSQL started and answered.</summary>
public sealed record VerifyReport(string BackupId, string Query, string Result, string ReplayedTo, TimeSpan RestoreTime, TimeSpan RecoveryTime);
