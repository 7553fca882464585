namespace NodeAgent.Roles.Db.Engines;

/// <summary>
/// A complete backup as <c>backup list</c> shows it, whatever the engine: its times, bytes stored and before
/// compression (<paramref name="SourceBytes"/>), the log position it covers, and its manifest as stored.
/// </summary>
public sealed record BackupDetails(DateTimeOffset StartTime, DateTimeOffset StopTime, long StoredBytes, long SourceBytes, string Position, byte[] Manifest);
