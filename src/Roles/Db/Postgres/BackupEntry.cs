namespace NodeAgent.Roles.Db.Postgres;

/// <summary>A base backup found under the prefix: complete when its manifest exists.</summary>
public sealed record BackupEntry(string Id, BaseBackupManifest? Manifest, long StoredBytes)
{
    public bool Complete => Manifest is not null;
}
