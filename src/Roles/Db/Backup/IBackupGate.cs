namespace NodeAgent.Roles.Db.Backup;

/// <summary>
/// Asked by the backup loop before a scheduled full backup: a reason not to take it on this node now, or null. With
/// replication only the primary takes backups (the archive is one for all nodes); a replica's gate says so.
/// </summary>
public interface IBackupGate
{
    Task<string?> WhyNotAsync(CancellationToken cancellationToken);
}
