namespace NodeAgent.Roles.Db.Engines;

/// <summary>
/// How far a server's history reaches, in a form two servers can be compared by: timeline first, then position
/// (PostgreSQL: the LSN of the furthest received or replayed WAL). <see cref="Text"/> is the engine's own spelling.
/// </summary>
public sealed record ReplicationProgress(long Timeline, ulong Position, string Text) : IComparable<ReplicationProgress>
{
    public int CompareTo(ReplicationProgress? other)
        => other is null ? 1 : Timeline != other.Timeline ? Timeline.CompareTo(other.Timeline) : Position.CompareTo(other.Position);

    public override string ToString() => $"{Text} (timeline {Timeline})";
}
