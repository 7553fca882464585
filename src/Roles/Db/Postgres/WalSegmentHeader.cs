namespace NodeAgent.Roles.Db.Postgres;

/// <summary>What the first page of a WAL segment says about the cluster that wrote it.</summary>
public sealed record WalSegmentHeader(ushort Magic, uint Timeline, ulong SystemIdentifier, uint SegmentSize, uint BlockSize);
