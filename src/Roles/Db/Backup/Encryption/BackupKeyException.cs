namespace NodeAgent.Roles.Db.Backup.Encryption;

/// <summary>A key-encryption key is missing, unreadable, unusable or not the one an object needs. Never retried into plaintext.</summary>
public sealed class BackupKeyException(string message, Exception? inner = null) : Exception(message, inner);
