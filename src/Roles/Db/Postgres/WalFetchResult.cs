namespace NodeAgent.Roles.Db.Postgres;

/// <summary>How a wal-fetch ended when no error occurred.</summary>
public enum WalFetchResult
{
    /// <summary>Downloaded from the archive.</summary>
    Fetched,

    /// <summary>Taken from the local prefetch directory (downloaded ahead by an earlier call).</summary>
    Prefetched,

    /// <summary>The archive has no such file: for PostgreSQL, the end of the archived WAL.</summary>
    NotFound,
}
