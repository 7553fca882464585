namespace NodeAgent.Roles.Db.Postgres;

/// <summary>What retention will delete: whole backups (manifest first, so they stop counting), and archived WAL no kept backup needs.</summary>
public sealed record RetentionPlan(IReadOnlyList<string> KeptBackups, IReadOnlyList<string> DeletedBackups, IReadOnlyList<string> DeletedWal, string? OldestNeededWal)
{
    public bool Empty => DeletedBackups.Count == 0 && DeletedWal.Count == 0;
}
