namespace NodeAgent.Cli;

/// <summary>The agent's exit codes. Scripts and systemd units may rely on them; do not renumber.</summary>
public enum ExitCode
{
    Ok = 0,

    /// <summary>An unexpected error.</summary>
    Failure = 1,

    /// <summary>Bad command-line usage.</summary>
    Usage = 2,

    /// <summary>The user-data is invalid; every problem was printed with its path.</summary>
    InvalidConfig = 3,

    /// <summary>User-data could not be fetched (no file, IMDS unreachable within its bound).</summary>
    UserDataUnavailable = 4,

    /// <summary>A startup task failed; the node did not start.</summary>
    StartupFailed = 5,

    /// <summary>The local agent is not running (status).</summary>
    NotRunning = 6,

    /// <summary>A deploy or other fleet operation did not succeed on every node.</summary>
    OperationFailed = 7,

    /// <summary>wal-fetch: the archive has no such file (PostgreSQL reads any code from 1 to 125 as "not found").</summary>
    NotInArchive = 8,

    /// <summary>wal-push: a different file is already archived under this name, or the prefix belongs to another cluster.</summary>
    ArchiveConflict = 9,

    /// <summary>wal-fetch: the archive could not be read. Above 125, so PostgreSQL stops recovery instead of
    /// taking the file as missing and ending recovery early.</summary>
    ArchiveUnavailable = 200,
}
