using System.Security.Cryptography;
using System.Text;
using NodeAgent.Configuration;

namespace NodeAgent.Roles.Db.Backup.Encryption;

/// <summary>
/// A local key-encryption key for hosts without KMS: 32 bytes from a user-data secret (base64 or hex), read again for
/// every object, so a removed or replaced key file takes effect at once. Data keys are random (the OS CSPRNG) and are
/// wrapped with AES-256-GCM: <c>nonce (12) ‖ wrapped key (32) ‖ tag (16)</c>, the key id as associated data.
/// </summary>
public sealed class LocalKeyEncryptionKey(string id, SecretValue secret) : IKeyEncryptionKey
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public string Id => id;

    public string Kind => "local";

    public Task<DataKey> GenerateDataKeyAsync(CancellationToken cancellationToken)
    {
        var kek = ReadKey();
        try
        {
            var dataKey = RandomNumberGenerator.GetBytes(32);
            var wrapped = new byte[NonceSize + 32 + TagSize];
            RandomNumberGenerator.Fill(wrapped.AsSpan(0, NonceSize));
            using var aes = new AesGcm(kek, TagSize);
            aes.Encrypt(wrapped.AsSpan(0, NonceSize), dataKey, wrapped.AsSpan(NonceSize, 32), wrapped.AsSpan(NonceSize + 32, TagSize), Associated());
            return Task.FromResult(new DataKey(dataKey, wrapped, id));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    public Task<byte[]> UnwrapAsync(byte[] wrapped, string objectKey, CancellationToken cancellationToken)
    {
        if (wrapped.Length != NonceSize + 32 + TagSize)
        {
            throw new InvalidDataException($"{objectKey}: the data key wrapped by local key '{id}' has {wrapped.Length} bytes, not {NonceSize + 32 + TagSize}");
        }

        var kek = ReadKey();
        try
        {
            var dataKey = new byte[32];
            using var aes = new AesGcm(kek, TagSize);
            aes.Decrypt(wrapped.AsSpan(0, NonceSize), wrapped.AsSpan(NonceSize, 32), wrapped.AsSpan(NonceSize + 32, TagSize), dataKey, Associated());
            return Task.FromResult(dataKey);
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new BackupKeyException(
                $"{objectKey}: local key '{id}' cannot unwrap its data key: the key material configured under this id is not the one that wrapped it (wrong key), or the header was modified", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    private byte[] Associated() => Encoding.ASCII.GetBytes($"nodeagent backup data key v1\0{id}");

    private byte[] ReadKey()
    {
        string text;
        try
        {
            text = secret.Reveal().Trim();
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            throw new BackupKeyException($"backup encryption key '{id}' is unavailable ({secret}): {ex.Message}; nothing is stored unencrypted", ex);
        }

        var key = Decode(text);
        if (key is not { Length: 32 })
        {
            throw new BackupKeyException($"backup encryption key '{id}' ({secret}) is not 32 bytes in base64 (44 characters) or hex (64 characters)");
        }

        return key;
    }

    private static byte[]? Decode(string text)
    {
        if (text.Length == 64 && text.All(char.IsAsciiHexDigit))
        {
            return Convert.FromHexString(text);
        }

        var buffer = new byte[48];
        return Convert.TryFromBase64String(text, buffer, out var written) ? buffer[..written] : null;
    }
}
