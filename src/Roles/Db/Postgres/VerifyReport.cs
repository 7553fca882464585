namespace NodeAgent.Roles.Db.Postgres;

/// <summary>What <see cref="PostgresVerifier"/> found: the backup restored, PostgreSQL started and answered.</summary>
public sealed record VerifyReport(string BackupId, string Query, string Result, string ReplayedTo, TimeSpan RestoreTime, TimeSpan RecoveryTime)
{
    /// <summary>The timeline the backup was taken on (its WAL and history are followed from there).</summary>
    public long Timeline { get; init; }
}
