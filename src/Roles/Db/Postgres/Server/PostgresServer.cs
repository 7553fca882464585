using System.Globalization;
using Microsoft.Extensions.Logging;
using NodeAgent.Processes;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Configuration;

namespace NodeAgent.Roles.Db.Postgres.Server;

/// <summary>
/// The local PostgreSQL server as the agent runs it when replication is on (docs/replication.md): <c>pg_ctl</c> start,
/// stop and status, <c>pg_controldata</c> and <c>pg_rewind</c>, each run as the database's OS user when the agent is
/// root (PostgreSQL refuses root), always with argument lists. The server's own log goes to
/// <c>&lt;state_dir&gt;/postgres/log/postgresql.log</c>.
/// </summary>
public sealed partial class PostgresServer(PostgreSqlConfig postgres, OsUser? osUser, IProcessRunner processes, string logDirectory, ILogger logger)
{
    public string DataDir => postgres.DataDir;

    public string LogPath => Path.Combine(logDirectory, "postgresql.log");

    public OsUser? OsUser => osUser;

    /// <summary>pg_ctl status: the postmaster of this data directory runs (its pid file names a live process).</summary>
    public async Task<bool> IsRunningAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path.Combine(DataDir, "postmaster.pid")))
        {
            return false;
        }

        var result = await processes.RunAsync(Spec("pg_ctl", ["-D", DataDir, "status"], TimeSpan.FromSeconds(30)), cancellationToken, allowFailure: true);
        return result.ExitCode == 0;
    }

    /// <summary>
    /// Starts the server. <paramref name="wait"/>: until it accepts connections (a primary); otherwise return as soon as
    /// the postmaster runs (a replica may replay for a long time before it admits readers).
    /// </summary>
    public async Task StartAsync(bool wait, CancellationToken cancellationToken)
    {
        EnsureLogDirectory();
        LogStarting(logger, DataDir, wait ? "primary" : "replica");
        IReadOnlyList<string> args = wait
            ? ["-D", DataDir, "-l", LogPath, "-w", "-t", "600", "start"]
            : ["-D", DataDir, "-l", LogPath, "-W", "start"];
        try
        {
            await processes.RunAsync(Spec("pg_ctl", args, TimeSpan.FromMinutes(11)), cancellationToken);
        }
        catch (ProcessFailedException ex)
        {
            throw new InvalidOperationException($"PostgreSQL did not start on {DataDir}: {ex.Message}; its log ends with: {LogTail()}", ex);
        }
    }

    /// <summary>Stops the server (<c>fast</c>: clients are disconnected, a shutdown checkpoint is written). Nothing to do when it is not running.</summary>
    public async Task StopAsync(string mode, CancellationToken cancellationToken)
    {
        if (!await IsRunningAsync(cancellationToken))
        {
            return;
        }

        LogStopping(logger, DataDir, mode);
        var result = await processes.RunAsync(Spec("pg_ctl", ["-D", DataDir, "-m", mode, "-w", "-t", "120", "stop"], TimeSpan.FromMinutes(3)), cancellationToken, allowFailure: true);
        if (result.ExitCode != 0 && await IsRunningAsync(cancellationToken))
        {
            await processes.RunAsync(Spec("pg_ctl", ["-D", DataDir, "-m", "immediate", "-w", "-t", "60", "stop"], TimeSpan.FromMinutes(2)), cancellationToken);
        }
    }

    public async Task<ControlData> ControlDataAsync(CancellationToken cancellationToken)
    {
        var result = await processes.RunAsync(Spec("pg_controldata", [DataDir], TimeSpan.FromSeconds(30)), cancellationToken);
        return ControlData.Parse(result.StandardOutput);
    }

    /// <summary>
    /// pg_rewind onto <paramref name="sourceConnInfo"/> (a conninfo naming a passfile, never a password), fetching WAL
    /// the target lacks through its restore_command. The target must be stopped; pg_rewind finishes its crash recovery
    /// first when it was not shut down cleanly.
    /// </summary>
    public async Task<ProcessResult> RewindAsync(string sourceConnInfo, CancellationToken cancellationToken)
        => await processes.RunAsync(Spec("pg_rewind",
            ["--target-pgdata", DataDir, "--source-server", sourceConnInfo, "--restore-target-wal", "--progress"], TimeSpan.FromMinutes(30)), cancellationToken, allowFailure: true);

    /// <summary>The last lines of the server's log, for error messages.</summary>
    public string LogTail(int chars = 1500)
    {
        try
        {
            if (!File.Exists(LogPath))
            {
                return "(no log)";
            }

            var text = File.ReadAllText(LogPath);
            return text.Length <= chars ? text : text[^chars..];
        }
        catch (IOException ex)
        {
            return $"(log unreadable: {ex.Message})";
        }
    }

    private void EnsureLogDirectory()
    {
        Directory.CreateDirectory(logDirectory);
        UnixModes.Set(logDirectory, UnixModes.PrivateDirectory);
        if (osUser is not null && PosixOwnership.IsRoot)
        {
            PosixOwnership.Chown(logDirectory, osUser.Uid, osUser.Gid);
        }
    }

    private ProcessSpec Spec(string tool, IReadOnlyList<string> args, TimeSpan timeout)
    {
        var program = Path.Combine(postgres.BinDir, tool);
        var spec = osUser is not null && PosixOwnership.IsRoot && PosixOwnership.EffectiveUid != osUser.Uid
            ? new ProcessSpec("runuser", ["-u", osUser.Name, "--", program, .. args])
            : new ProcessSpec(program, args);
        return spec with { Timeout = timeout, WorkingDirectory = "/", GracePeriod = TimeSpan.FromSeconds(10) };
    }

    [LoggerMessage(EventId = 6400, Level = LogLevel.Information, Message = "Starting PostgreSQL on {DataDir} as {Role}")]
    private static partial void LogStarting(ILogger logger, string dataDir, string role);

    [LoggerMessage(EventId = 6401, Level = LogLevel.Information, Message = "Stopping PostgreSQL on {DataDir} ({Mode})")]
    private static partial void LogStopping(ILogger logger, string dataDir, string mode);
}
