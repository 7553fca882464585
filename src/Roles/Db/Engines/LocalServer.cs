namespace NodeAgent.Roles.Db.Engines;

/// <summary>The local database server as found on disk: what its data directory holds, and whether it runs.</summary>
public sealed record LocalServer(LocalData Data, bool Running, string Detail);
