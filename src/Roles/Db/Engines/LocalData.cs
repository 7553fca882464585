namespace NodeAgent.Roles.Db.Engines;

/// <summary>What a node's data directory holds.</summary>
public enum LocalData
{
    /// <summary>Nothing yet (or not a data directory): a replica is built from the archive.</summary>
    Empty,

    /// <summary>A primary's data (initialised, no standby marker): it may serve writes only while it holds the name.</summary>
    Primary,

    /// <summary>A replica's data (standby marker).</summary>
    Replica,
}
