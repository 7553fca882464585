namespace NodeAgent.Roles.Db.Postgres;

/// <summary>What a base backup needs to know about the server before it starts.</summary>
public sealed record ServerFacts(ulong SystemIdentifier, long SegmentSize, int VersionNum, long DatabaseBytes, string ArchiveMode, string ArchiveCommand);
