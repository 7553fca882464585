namespace NodeAgent.Roles.Db.Engines;

/// <summary><c>backup verify</c>'s options: which backup, where to restore it for the check, and the query to run.</summary>
public sealed record BackupVerifyRequest
{
    /// <summary>A specific backup; default: the newest complete one.</summary>
    public string? BackupId { get; init; }

    /// <summary>Another node's backups instead of this node's own.</summary>
    public string? Prefix { get; init; }

    /// <summary>The directory the scratch restore goes under.</summary>
    public required string ScratchDirectory { get; init; }

    public required string Query { get; init; }

    /// <summary>
    /// Only read every object the backup needs and check its authenticity and checksums (no restore, no server):
    /// <c>--objects-only</c>, the only way MariaDB backups are verified.
    /// </summary>
    public bool ObjectsOnly { get; init; }
}
