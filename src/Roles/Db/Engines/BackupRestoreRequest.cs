namespace NodeAgent.Roles.Db.Engines;

/// <summary>
/// <c>backup restore</c>'s options as given. Which backup and whose: every engine. Where to and up to when: PostgreSQL,
/// which restores into a new data directory; MariaDB restores into the configured server and ignores them.
/// </summary>
public sealed record BackupRestoreRequest
{
    /// <summary>A specific backup; default: the newest complete one (that ended before the target).</summary>
    public string? BackupId { get; init; }

    /// <summary>Another node's backups instead of this node's own.</summary>
    public string? Prefix { get; init; }

    /// <summary>PostgreSQL: the new data directory (<c>--to</c>).</summary>
    public string? TargetDirectory { get; init; }

    /// <summary>PostgreSQL: <c>--target-time</c>, as typed.</summary>
    public string? TargetTime { get; init; }

    /// <summary>PostgreSQL: <c>--target-lsn</c>, as typed.</summary>
    public string? TargetLsn { get; init; }

    /// <summary>PostgreSQL: the OS user to hand the directory to when run as root; default the configured one.</summary>
    public string? Owner { get; init; }
}
