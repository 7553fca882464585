using NodeAgent.Roles.Db.Postgres;

namespace NodeAgent.Tests.Roles.Db.Postgres;

public sealed class RetentionPlannerTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static BackupEntry Complete(string id, int hours, string startWal) => new(id, new BaseBackupManifest
    {
        Id = id,
        Label = id,
        SystemIdentifier = "1",
        SegmentSize = 16L << 20,
        Timeline = 1,
        StartLsn = "0/1",
        StopLsn = "0/2",
        StartWal = startWal,
        StopWal = startWal,
        BackupHistoryFile = $"{startWal}.00000028.backup",
        StartTime = T0.AddHours(hours),
        StopTime = T0.AddHours(hours).AddMinutes(5),
        TarSha256 = "x",
        StoredSha256 = "y",
    }, 100);

    [Fact]
    public void Plan_KeepsTheNewestK_AndOnlyWalFromTheOldestKeptBackupsStartOnEveryTimeline()
    {
        var backups = new[]
        {
            Complete("b1", 0, "000000010000000000000002"),
            Complete("b2", 1, "000000010000000000000005"),
            Complete("b3", 2, "000000020000000000000009"),
        };
        var wal = new[]
        {
            "000000010000000000000002", "000000010000000000000002.00000028.backup", "000000010000000000000003", "000000010000000000000004",
            "000000010000000000000005", "000000010000000000000005.00000028.backup", "000000010000000000000006", "000000010000000000000007.partial",
            "00000002.history", "000000020000000000000004", "000000020000000000000007", "000000020000000000000009",
        };

        var plan = RetentionPlanner.Plan(backups, wal, keep: 2);

        Assert.Equal(["b2", "b3"], plan.KeptBackups);
        Assert.Equal(["b1"], plan.DeletedBackups);
        Assert.Equal(
            ["000000010000000000000002", "000000010000000000000002.00000028.backup", "000000010000000000000003", "000000010000000000000004", "000000020000000000000004"],
            plan.DeletedWal);
        Assert.DoesNotContain("00000002.history", plan.DeletedWal);
        Assert.Equal("000000010000000000000005", plan.OldestNeededWal);
    }

    [Fact]
    public void Plan_WithoutACompleteBackup_DeletesNothing()
    {
        var plan = RetentionPlanner.Plan([new BackupEntry("b1", null, 10)], ["000000010000000000000001"], keep: 1);

        Assert.True(plan.Empty);
    }

    [Fact]
    public void Plan_DeletesAbandonedIncompleteBackups_ButNotOneThatMayStillBeRunning()
    {
        var backups = new[]
        {
            new BackupEntry("a0", null, 10),
            Complete("b1", 1, "000000010000000000000005"),
            new BackupEntry("c9", null, 10),
        };

        var plan = RetentionPlanner.Plan(backups, [], keep: 3);

        Assert.Equal(["a0"], plan.DeletedBackups);
    }
}
