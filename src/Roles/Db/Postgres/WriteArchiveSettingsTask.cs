using Microsoft.Extensions.Logging;
using NodeAgent.Hosting;
using NodeAgent.Lifecycle;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>
/// At boot, before the database is served: write the settings file wal-push/wal-fetch read (and that names the
/// agent's socket), so archive_command works from the first segment on.
/// </summary>
public sealed partial class WriteArchiveSettingsTask(PostgresBackups backups, ILogger<WriteArchiveSettingsTask> logger) : IStartupTask
{
    public int Order => StartupOrder.RoleCatchUp;

    public string Name => "postgres archive settings";

    public Task RunAsync(CancellationToken cancellationToken)
    {
        var changed = backups.WriteSettings();
        LogWritten(logger, backups.SettingsPath, changed ? "written" : "unchanged", PostgresBackups.ArchiveCommand(backups.SettingsPath));
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 6080, Level = LogLevel.Information, Message = "Archive settings {Path} {State}; archive_command = '{Command}'")]
    private static partial void LogWritten(ILogger logger, string path, string state, string command);
}
