namespace NodeAgent.Roles.Db.Postgres;

/// <summary>What a file PostgreSQL hands to archive_command is.</summary>
public enum WalFileKind
{
    /// <summary>A WAL segment, <c>TTTTTTTTLLLLLLLLSSSSSSSS</c>.</summary>
    Segment,

    /// <summary>The last, partial segment of an old timeline after a promotion, <c>…SSSSSSSS.partial</c>.</summary>
    Partial,

    /// <summary>A backup history file, <c>…SSSSSSSS.OOOOOOOO.backup</c>.</summary>
    BackupHistory,

    /// <summary>A timeline history file, <c>TTTTTTTT.history</c>. Never overwritten.</summary>
    TimelineHistory,
}
