namespace NodeAgent.Roles.Db.MariaDb;

/// <summary>What a dump and the binlog shipper need to know about the server.</summary>
public sealed record MariaDbFacts(bool BinlogEnabled, string? BinlogBasename, string Version, long DataBytes);
