namespace NodeAgent.Roles.Db.Postgres;

/// <summary>
/// Retention rules for one PostgreSQL archive, as a pure function of what is stored:
/// <list type="bullet">
/// <item>Keep the newest <c>K</c> complete backups, by start time; delete older complete backups.</item>
/// <item>Delete incomplete backups (no manifest) that started before the newest complete one: they were abandoned.
///   Newer ones may still be running and are left alone.</item>
/// <item>Delete archived WAL segments, partial segments and backup history files whose position is before the oldest
///   kept backup's start segment, on every timeline: recovery from a backup only reads WAL from its start onwards.</item>
/// <item>Never delete timeline history files (tiny, and recovery across timelines needs them).</item>
/// <item>With no complete backup, delete nothing.</item>
/// </list>
/// </summary>
public static class RetentionPlanner
{
    public static RetentionPlan Plan(IReadOnlyList<BackupEntry> backups, IEnumerable<string> walNames, int keep)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        var complete = backups.Where(b => b.Complete).OrderBy(b => b.Manifest!.StartTime).ThenBy(b => b.Id, StringComparer.Ordinal).ToList();
        if (complete.Count == 0)
        {
            return new RetentionPlan([], [], [], null);
        }

        var kept = complete.TakeLast(keep).ToList();
        var newest = complete[^1];
        var deleted = complete.Except(kept)
            .Concat(backups.Where(b => !b.Complete && string.CompareOrdinal(b.Id, newest.Id) < 0))
            .Select(b => b.Id)
            .Order(StringComparer.Ordinal)
            .ToList();

        var oldest = kept[0].Manifest!;
        var boundary = WalFileName.Parse(oldest.StartWal).Position(oldest.SegmentSize);
        var wal = walNames
            .Where(n => WalFileName.TryParse(n, out var f) && f!.Kind != WalFileKind.TimelineHistory && f.Position(oldest.SegmentSize) < boundary)
            .Order(StringComparer.Ordinal)
            .ToList();
        return new RetentionPlan(kept.Select(b => b.Id).ToList(), deleted, wal, oldest.StartWal);
    }
}
