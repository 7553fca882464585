namespace NodeAgent.Roles.Db.Backup;

/// <summary>One engine's full backups, as the backup loop sees them (PostgreSQL base backups, MariaDB dumps).</summary>
public interface IDatabaseBackup
{
    string Engine { get; }

    /// <summary>When the newest complete backup finished, or null when there is none.</summary>
    Task<DateTimeOffset?> LastCompleteAsync(CancellationToken cancellationToken);

    Task<BackupRun> TakeFullAsync(CancellationToken cancellationToken);

    /// <summary>Applies retention: keep <paramref name="keep"/> full backups and what they need.</summary>
    Task RetainAsync(int keep, CancellationToken cancellationToken);
}
