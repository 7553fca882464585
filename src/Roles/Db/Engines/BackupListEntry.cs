namespace NodeAgent.Roles.Db.Engines;

/// <summary>A backup found under a prefix: complete when its manifest exists (<see cref="Details"/>).</summary>
public sealed record BackupListEntry(string Id, long StoredBytes, BackupDetails? Details)
{
    public bool Complete => Details is not null;
}
