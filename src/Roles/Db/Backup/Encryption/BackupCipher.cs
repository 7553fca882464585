using System.Collections.Concurrent;
using System.Text;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.Backup.Encryption;

/// <summary>
/// Client-side encryption of the objects under a backup prefix, for both engines (docs/backups.md, "Encryption").
/// Writers ask for an <see cref="ObjectSealer"/> per object before uploading anything; readers open what they
/// download through <see cref="OpenReadAsync"/> / <see cref="OpenAsync"/>. With no key configured
/// (<see cref="None"/>) objects pass through unchanged, but a prefix that already holds encrypted backups
/// (its clear marker <c>PREFIX/encryption.json</c>) is refused: removing the encryption settings never turns it into
/// plaintext uploads. With keys, an object that is not encrypted is refused on read unless
/// <c>read_plaintext</c> is set (backups from before encryption was turned on).
/// </summary>
public sealed class BackupCipher
{
    /// <summary>User metadata naming the key-encryption key of an object.</summary>
    public const string KeyIdMetadata = "kek";

    /// <summary>The clear marker under a prefix whose backups are encrypted.</summary>
    public const string MarkerName = "encryption.json";

    private readonly IReadOnlyList<IKeyEncryptionKey> _keys;
    private readonly ConcurrentDictionary<string, bool> _markerChecked = new(StringComparer.Ordinal);

    public BackupCipher(IReadOnlyList<IKeyEncryptionKey> keys, int chunkSize = 1 << 20, bool readPlaintext = false)
    {
        _keys = keys;
        ChunkSize = chunkSize;
        ReadPlaintext = readPlaintext || keys.Count == 0;
    }

    /// <summary>No encryption: objects are stored as they are (compressed).</summary>
    public static BackupCipher None { get; } = new([]);

    public bool Encrypts => _keys.Count > 0;

    /// <summary>The key that wraps new objects, or null.</summary>
    public string? CurrentKeyId => _keys.Count > 0 ? _keys[0].Id : null;

    public int ChunkSize { get; }

    public bool ReadPlaintext { get; }

    /// <summary>The object's key below its prefix: what its header binds it to.</summary>
    public static string Binding(string prefix, string key)
        => key.StartsWith(prefix + "/", StringComparison.Ordinal) ? key[(prefix.Length + 1)..] : key;

    /// <summary>
    /// A sealer for one new object under <paramref name="prefix"/>: generates its data key with the current key (so a
    /// missing or unusable key fails here, before anything is uploaded) and checks the prefix's marker.
    /// </summary>
    public async Task<ObjectSealer> SealerAsync(IObjectStore store, string prefix, string key, CancellationToken cancellationToken)
    {
        if (!Encrypts)
        {
            await EnsureMarkerAsync(store, prefix, cancellationToken);
            return new ObjectSealer(null, string.Empty, ChunkSize);
        }

        // The data key first: with a missing or unusable key nothing at all is written, not even the marker.
        var dataKey = await _keys[0].GenerateDataKeyAsync(cancellationToken);
        try
        {
            await EnsureMarkerAsync(store, prefix, cancellationToken);
        }
        catch
        {
            dataKey.Dispose();
            throw;
        }

        return new ObjectSealer(dataKey, Binding(prefix, key), ChunkSize);
    }

    /// <summary>
    /// The plaintext stream of a stored object (the compressed bytes the writer sealed), read from <paramref name="stored"/>
    /// as it arrives; authentication failures surface as <see cref="InvalidDataException"/> naming <paramref name="key"/>.
    /// Disposing the result disposes <paramref name="stored"/>.
    /// </summary>
    public async Task<Stream> OpenReadAsync(Stream stored, string prefix, string key, CancellationToken cancellationToken)
    {
        var magic = new byte[EncryptedObjectHeader.Magic.Length];
        var filled = 0;
        while (filled < magic.Length)
        {
            var n = await stored.ReadAsync(magic.AsMemory(filled), cancellationToken);
            if (n == 0)
            {
                break;
            }

            filled += n;
        }

        var head = magic[..filled];
        var rest = new PrefixedReadStream(head, stored);
        if (!EncryptedObjectHeader.StartsWithMagic(head))
        {
            if (!ReadPlaintext)
            {
                await rest.DisposeAsync();
                throw new InvalidDataException(
                    $"{key} is not encrypted, but encryption is on: refusing it as possibly substituted (set db.backup.encryption.read_plaintext to read backups taken before encryption)");
            }

            return rest;
        }

        try
        {
            var (header, encoded) = await EncryptedObjectHeader.ReadAsync(rest, key, cancellationToken);
            var cipher = await ChunkCipherForAsync(header, encoded, prefix, key, cancellationToken);
            return new DecryptingStream(rest, cipher, header.ChunkSize, key);
        }
        catch
        {
            await rest.DisposeAsync();
            throw;
        }
    }

    /// <summary>The plaintext of a whole stored object.</summary>
    public async Task<byte[]> OpenAsync(byte[] stored, string prefix, string key, CancellationToken cancellationToken)
    {
        if (!EncryptedObjectHeader.StartsWithMagic(stored) && ReadPlaintext)
        {
            return stored;
        }

        await using var plain = await OpenReadAsync(new MemoryStream(stored, writable: false), prefix, key, cancellationToken);
        using var output = new MemoryStream(Math.Max(0, stored.Length - 64));
        await plain.CopyToAsync(output, cancellationToken);
        return output.ToArray();
    }

    /// <summary>True when the stored bytes are an encrypted object (header present).</summary>
    public static bool IsEncrypted(ReadOnlySpan<byte> stored) => EncryptedObjectHeader.StartsWithMagic(stored);

    /// <summary>
    /// With keys: makes sure the prefix carries the clear marker saying its backups are encrypted. Without: refuses a
    /// prefix that carries it. Checked once per prefix per process.
    /// </summary>
    public async Task EnsureMarkerAsync(IObjectStore store, string prefix, CancellationToken cancellationToken)
    {
        if (_markerChecked.ContainsKey(prefix))
        {
            return;
        }

        var marker = $"{prefix}/{MarkerName}";
        var existing = await store.HeadAsync(marker, cancellationToken);
        if (!Encrypts && existing is not null)
        {
            throw new BackupKeyException(
                $"{prefix} holds encrypted backups ({marker}) but db.backup.encryption is not configured on this node; refusing to store anything unencrypted there");
        }

        if (Encrypts && existing is null)
        {
            var body = Encoding.UTF8.GetBytes($"{{\"format\":1,\"encrypted\":true,\"algorithm\":\"AES-256-GCM chunked\",\"since\":\"{DateTimeOffset.UtcNow:O}\"}}\n");
            try
            {
                await store.PutAsync(marker, body, new PutOptions { ContentType = "application/json", IfNoneMatch = true }, cancellationToken);
            }
            catch (PreconditionFailedException)
            {
                // Another writer put it first: the same statement.
            }
        }

        _markerChecked[prefix] = true;
    }

    private async Task<ChunkCipher> ChunkCipherForAsync(EncryptedObjectHeader header, byte[] encoded, string prefix, string key, CancellationToken cancellationToken)
    {
        var expected = Binding(prefix, key);
        if (header.Binding != expected)
        {
            throw new InvalidDataException($"{key} holds the encrypted content of '{header.Binding}', not of '{expected}' (moved or copied from another key)");
        }

        var kek = _keys.FirstOrDefault(k => k.Id == header.KeyId)
            ?? throw new BackupKeyException(_keys.Count == 0
                ? $"{key} is encrypted (key '{header.KeyId}') but db.backup.encryption is not configured on this node"
                : $"{key} was encrypted with key '{header.KeyId}', which is not configured (db.backup.encryption.keys has {string.Join(", ", _keys.Select(k => k.Id))}); add it back to read this object");
        var dataKey = await kek.UnwrapAsync(header.WrappedKey, key, cancellationToken);
        try
        {
            if (dataKey.Length != 32)
            {
                throw new InvalidDataException($"{key}: unwrapped data key has {dataKey.Length} bytes, not 32");
            }

            return new ChunkCipher(dataKey, header.NoncePrefix, EncryptedObjectHeader.Digest(encoded));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(dataKey);
        }
    }
}
