using NodeAgent.Roles.Db.Backup;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>What <see cref="PostgresRestorer"/> should restore, where, and how recovery finds the WAL.</summary>
public sealed record RestoreRequest
{
    /// <summary>The new data directory: absent or empty.</summary>
    public required string TargetDirectory { get; init; }

    public RecoveryTarget Target { get; init; } = RecoveryTarget.Latest;

    /// <summary>The timeline recovery follows; null: the newest (<c>latest</c>).</summary>
    public long? Timeline { get; init; }

    /// <summary>A specific backup; default: the newest complete backup that ended before the target.</summary>
    public string? BackupId { get; init; }

    /// <summary>The restore_command, with %f and %p (the caller builds it: wal-fetch with its settings).</summary>
    public required string RestoreCommand { get; init; }

    /// <summary>Hand the files to this user (when running as root); PostgreSQL refuses a data directory it does not own.</summary>
    public OsUser? Owner { get; init; }

    /// <summary>
    /// A replica: write <c>standby.signal</c> instead of <c>recovery.signal</c> and no recovery settings (the replication
    /// engine writes the standby's own: restore_command, primary_conninfo).
    /// </summary>
    public bool Standby { get; init; }
}
