namespace NodeAgent.Roles.Db.Health;

/// <summary>The state of the engine's WAL archiver (PostgreSQL: a row of <c>pg_stat_archiver</c>): is archive_command keeping up, or failing?</summary>
public sealed record ArchiverStatus(
    long ArchivedCount,
    long FailedCount,
    string? LastArchivedWal,
    DateTimeOffset? LastArchivedTime,
    string? LastFailedWal,
    DateTimeOffset? LastFailedTime,
    string ArchiveMode)
{
    /// <summary>True while the most recent attempt failed (the last failure is newer than the last success).</summary>
    public bool Failing => LastFailedTime is { } failed && (LastArchivedTime is not { } archived || failed > archived);
}
