namespace NodeAgent.Roles.Db.Postgres;

/// <summary>User metadata stored with every archived file, so a check needs only a HEAD request.</summary>
public static class ObjectMetadataKeys
{
    /// <summary>Hex SHA-256 of the uncompressed file.</summary>
    public const string Sha256 = "sha256";

    /// <summary>Size of the uncompressed file in bytes.</summary>
    public const string Size = "size";

    /// <summary>The system identifier of the cluster that archived it.</summary>
    public const string SystemIdentifier = "sysid";
}
