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
}
