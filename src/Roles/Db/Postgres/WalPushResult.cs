namespace NodeAgent.Roles.Db.Postgres;

/// <summary>How a wal-push ended when it succeeded.</summary>
public enum WalPushResult
{
    /// <summary>Uploaded now; S3 acknowledged it.</summary>
    Archived,

    /// <summary>The archive already held this exact file (a retry after a crash, or a look-ahead push).</summary>
    AlreadyArchived,
}
