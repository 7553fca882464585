namespace NodeAgent.Roles.Db.Backup.Encryption;

/// <summary>
/// A key-encryption key (<c>db.backup.encryption.keys[]</c>): makes a fresh data key for each object and unwraps the
/// data keys it wrapped. A key that cannot be used (missing file, KMS key disabled, wrong key material) throws
/// <see cref="BackupKeyException"/> naming the key: the caller stores nothing rather than something unencrypted.
/// </summary>
public interface IKeyEncryptionKey
{
    /// <summary>The configured id, recorded with every object this key wraps.</summary>
    string Id { get; }

    /// <summary><c>kms</c> or <c>local</c>.</summary>
    string Kind { get; }

    Task<DataKey> GenerateDataKeyAsync(CancellationToken cancellationToken);

    /// <summary>The data key inside <paramref name="wrapped"/>; <paramref name="objectKey"/> only names the object in errors.</summary>
    Task<byte[]> UnwrapAsync(byte[] wrapped, string objectKey, CancellationToken cancellationToken);
}
