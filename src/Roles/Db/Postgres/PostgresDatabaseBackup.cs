using NodeAgent.Roles.Db.Backup;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>PostgreSQL base backups for the backup loop.</summary>
public sealed class PostgresDatabaseBackup(PostgresBackups backups) : IDatabaseBackup
{
    public string Engine => "PostgreSQL";

    public async Task<DateTimeOffset?> LastCompleteAsync(CancellationToken cancellationToken)
        => (await backups.Catalog().CompleteAsync(cancellationToken)).LastOrDefault()?.StopTime;

    public async Task<BackupRun> TakeFullAsync(CancellationToken cancellationToken)
    {
        var m = await backups.Runner().RunAsync(cancellationToken);
        return new BackupRun(m.Id, m.StopTime, m.StopTime - m.StartTime, m.StoredBytes);
    }

    public Task RetainAsync(int keep, CancellationToken cancellationToken) => backups.Retention().ApplyAsync(keep, cancellationToken);
}
