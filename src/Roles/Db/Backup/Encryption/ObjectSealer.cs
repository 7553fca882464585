using System.Security.Cryptography;

namespace NodeAgent.Roles.Db.Backup.Encryption;

/// <summary>
/// Encrypts one object (or passes it through when encryption is off): as a stream stage (<see cref="Wrap"/>) between
/// the compressor and the upload, or a whole buffer at once (<see cref="Seal"/>). Made by
/// <see cref="BackupCipher.SealerAsync"/> <em>before</em> anything is uploaded, so a missing key stops the object
/// before its first byte leaves. One object per sealer.
/// </summary>
public sealed class ObjectSealer : IDisposable
{
    private readonly DataKey? _key;
    private readonly EncryptedObjectHeader? _header;
    private readonly byte[]? _encoded;

    internal ObjectSealer(DataKey? key, string binding, int chunkSize)
    {
        _key = key;
        if (key is not null)
        {
            _header = new EncryptedObjectHeader
            {
                KeyId = key.KeyId,
                WrappedKey = key.Wrapped,
                Binding = binding,
                ChunkSize = chunkSize,
                NoncePrefix = RandomNumberGenerator.GetBytes(EncryptedObjectHeader.NoncePrefixLength),
            };
            _encoded = _header.Encode();
        }
    }

    /// <summary>True when this object is encrypted.</summary>
    public bool Encrypts => _key is not null;

    /// <summary>The id of the key-encryption key that wraps this object's data key, or null.</summary>
    public string? KeyId => _key?.KeyId;

    /// <summary>User metadata to store with the object: <c>kek</c> = the wrapping key's id (also in the authenticated header).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _key is null
        ? new Dictionary<string, string>()
        : new Dictionary<string, string> { [BackupCipher.KeyIdMetadata] = _key.KeyId };

    /// <summary>A write stream that encrypts into <paramref name="inner"/>; dispose it (or <see cref="FinishAsync"/>) to write the end. The inner stream stays open.</summary>
    public Stream Wrap(Stream inner) => _key is null
        ? new PassThroughWriteStream(inner)
        : new EncryptingStream(inner, new ChunkCipher(_key.Plaintext, _header!.NoncePrefix, EncryptedObjectHeader.Digest(_encoded)), _encoded!, _header.ChunkSize);

    /// <summary>Ends a stream made by <see cref="Wrap"/> (the final chunk), surfacing its errors before the upload completes.</summary>
    public static async Task FinishAsync(Stream wrapped, CancellationToken cancellationToken)
    {
        if (wrapped is EncryptingStream encrypting)
        {
            await encrypting.FinishAsync(cancellationToken);
        }
    }

    /// <summary>The stored form of a whole object.</summary>
    public byte[] Seal(ReadOnlySpan<byte> content)
    {
        if (_key is null)
        {
            return content.ToArray();
        }

        using var output = new MemoryStream(_encoded!.Length + content.Length + ((content.Length / _header!.ChunkSize) + 1) * ChunkCipher.TagSize);
        using (var stream = Wrap(output))
        {
            stream.Write(content);
        }

        return output.ToArray();
    }

    public void Dispose() => _key?.Dispose();
}
