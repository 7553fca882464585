namespace NodeAgent.Roles.Db.MariaDb;

/// <summary>A dump found under the prefix: complete when its manifest exists.</summary>
public sealed record DumpEntry(string Id, DumpManifest? Manifest, long StoredBytes)
{
    public bool Complete => Manifest is not null;
}
