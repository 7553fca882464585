using System.Buffers.Binary;
using System.Security.Cryptography;

namespace NodeAgent.Roles.Db.Backup.Encryption;

/// <summary>
/// AES-256-GCM over one object's chunks (.NET's <see cref="AesGcm"/>, OpenSSL underneath), in the STREAM construction:
/// chunk <c>i</c> is sealed with nonce <c>prefix(7) ‖ i (u32 BE) ‖ last (1 byte: 1 on the final chunk, else 0)</c> and
/// the header's SHA-256 as associated data. A reordered chunk carries the wrong index, a dropped tail leaves no chunk
/// marked final, and bytes after the final chunk are refused: each fails authentication. The data key is unique to
/// the object, so (key, nonce) pairs never repeat.
/// </summary>
public sealed class ChunkCipher : IDisposable
{
    public const int TagSize = 16;
    private const int NonceSize = 12;
    private readonly AesGcm _aes;
    private readonly byte[] _noncePrefix;
    private readonly byte[] _associated;

    public ChunkCipher(ReadOnlySpan<byte> dataKey, byte[] noncePrefix, byte[] headerDigest)
    {
        if (dataKey.Length != 32)
        {
            throw new ArgumentException("a data key is 32 bytes", nameof(dataKey));
        }

        _aes = new AesGcm(dataKey, TagSize);
        _noncePrefix = noncePrefix;
        _associated = headerDigest;
    }

    /// <summary>Seals <paramref name="plaintext"/> as chunk <paramref name="index"/> into <paramref name="destination"/> (ciphertext then tag).</summary>
    public void Seal(uint index, bool last, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        Span<byte> nonce = stackalloc byte[NonceSize];
        Nonce(index, last, nonce);
        _aes.Encrypt(nonce, plaintext, destination[..plaintext.Length], destination.Slice(plaintext.Length, TagSize), _associated);
    }

    /// <summary>Opens chunk <paramref name="index"/>; false when it does not authenticate as that chunk (tampered, moved, truncated).</summary>
    public bool TryOpen(uint index, bool last, ReadOnlySpan<byte> sealedChunk, Span<byte> plaintext)
    {
        if (sealedChunk.Length < TagSize)
        {
            return false;
        }

        Span<byte> nonce = stackalloc byte[NonceSize];
        Nonce(index, last, nonce);
        var length = sealedChunk.Length - TagSize;
        try
        {
            _aes.Decrypt(nonce, sealedChunk[..length], sealedChunk[length..], plaintext[..length], _associated);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(plaintext[..length]);
            return false;
        }
    }

    public void Dispose() => _aes.Dispose();

    private void Nonce(uint index, bool last, Span<byte> nonce)
    {
        _noncePrefix.CopyTo(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[EncryptedObjectHeader.NoncePrefixLength..], index);
        nonce[NonceSize - 1] = last ? (byte)1 : (byte)0;
    }
}
