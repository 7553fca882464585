namespace NodeAgent.Roles.Db.Engines;

/// <summary>
/// What <c>backup list</c> shows: the engine's backups oldest first, and the names of the two columns that differ by
/// engine (the size before compression: <c>TAR</c> or <c>SQL</c>; the log position: <c>WAL</c> or <c>BINLOG</c>), and
/// lines the engine adds under the table (PostgreSQL: its timelines).
/// </summary>
public sealed record BackupListing(string SizeColumn, string PositionColumn, IReadOnlyList<BackupListEntry> Entries)
{
    public IReadOnlyList<string> Notes { get; init; } = [];
}
