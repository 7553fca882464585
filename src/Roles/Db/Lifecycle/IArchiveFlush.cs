namespace NodeAgent.Roles.Db.Lifecycle;

/// <summary>
/// The engine's "get everything into the archive now", for a db node whose instance goes away: PostgreSQL forces a WAL
/// switch and waits until the archiver reports that segment stored; MariaDB flushes the binary log and ships the
/// closed one. Registered by the engine with its archiving (<c>db.backup.enabled</c>).
/// </summary>
public interface IArchiveFlush
{
    /// <summary>Returns what was archived, for the log (e.g. the WAL segment's name).</summary>
    Task<string> FlushAsync(CancellationToken cancellationToken);
}
