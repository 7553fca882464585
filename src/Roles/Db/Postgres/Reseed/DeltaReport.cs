namespace NodeAgent.Roles.Db.Postgres.Reseed;

/// <summary>
/// What a delta re-seed did: the backup, the bytes it fetched from the archive (frames, plus the index) against the
/// backup's stored size, how many frames of how many, how many pieces were stale, how many local entries it removed,
/// and how many local bytes it hashed to find out.
/// </summary>
public sealed record DeltaReport(string BackupId, long BytesFetched, long IndexBytes, long BackupStoredBytes, int FramesFetched, int FramesTotal,
    int PiecesWritten, int EntriesRemoved, long LocalBytesHashed)
{
    public long TotalFetched => BytesFetched + IndexBytes;

    /// <summary>Relation pages kept because their LSN showed them current.</summary>
    public long PagesKept { get; init; }
}
