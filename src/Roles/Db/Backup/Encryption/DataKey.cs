using System.Security.Cryptography;

namespace NodeAgent.Roles.Db.Backup.Encryption;

/// <summary>
/// One object's data key: the 32 bytes that encrypt it (only in memory, zeroed on dispose) and the same key wrapped by
/// the key-encryption key <see cref="KeyId"/>, which is what is stored in the object's header.
/// </summary>
public sealed class DataKey(byte[] plaintext, byte[] wrapped, string keyId) : IDisposable
{
    public ReadOnlySpan<byte> Plaintext => plaintext;

    public byte[] Wrapped { get; } = wrapped;

    public string KeyId { get; } = keyId;

    public void Dispose() => CryptographicOperations.ZeroMemory(plaintext);
}
