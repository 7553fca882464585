using NodeAgent.Roles.Db.Backup;

namespace NodeAgent.Roles.Db.MariaDb;

/// <summary>MariaDB/MySQL dumps for the backup loop.</summary>
public sealed class MariaDbDatabaseBackup(MariaDbBackups backups) : IDatabaseBackup
{
    public string Engine => "MariaDB";

    public async Task<DateTimeOffset?> LastCompleteAsync(CancellationToken cancellationToken)
        => (await backups.Catalog().ListAsync(cancellationToken)).LastOrDefault(d => d.Complete)?.Manifest!.StopTime;

    public async Task<BackupRun> TakeFullAsync(CancellationToken cancellationToken)
    {
        var m = await backups.Dumper().RunAsync(cancellationToken);
        return new BackupRun(m.Id, m.StopTime, m.StopTime - m.StartTime, m.StoredBytes);
    }

    public Task RetainAsync(int keep, CancellationToken cancellationToken) => backups.Retention().ApplyAsync(keep, cancellationToken);
}
