namespace NodeAgent.Roles.Db.Engines;

/// <summary>The options given do not fit the configured engine (e.g. <c>backup restore</c> on PostgreSQL without <c>--to</c>).</summary>
public sealed class BackupUsageException(string message) : Exception(message);
