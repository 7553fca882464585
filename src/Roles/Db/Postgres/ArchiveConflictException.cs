namespace NodeAgent.Roles.Db.Postgres;

/// <summary>
/// The archive already holds a different file under this name (or the prefix belongs to another cluster). Never
/// resolved by overwriting: an operator must look.
/// </summary>
public sealed class ArchiveConflictException(string message) : Exception(message);
