namespace NodeAgent.Roles.Db.Postgres;

/// <summary>The archive settings file is missing, unreadable or not understood.</summary>
public sealed class ArchiveSettingsException(string message, Exception? inner = null) : Exception(message, inner);
