using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace NodeAgent.Roles.Db.Backup.Encryption;

/// <summary>
/// The clear header of an encrypted backup object (docs/backups.md, "Encryption"):
/// <code>
/// magic "NAENC\0" (6) | version 1 (1) | algorithm 1 = AES-256-GCM chunked (1) | chunk size, u32 BE (4)
/// | nonce prefix (7) | key id: u8 length + ASCII | wrapped data key: u16 BE length + bytes
/// | binding (the object's key below its prefix): u16 BE length + UTF-8
/// </code>
/// The header is not secret but it is authenticated: the SHA-256 of its bytes is the associated data of every chunk,
/// so changing the key id, the wrapped key, the chunk size or the binding makes the first chunk fail.
/// </summary>
public sealed record EncryptedObjectHeader
{
    public const byte Version = 1;
    public const byte AesGcmChunked = 1;
    public const int NoncePrefixLength = 7;
    public const int MaxKeyIdLength = 64;
    public const int MaxWrappedKeyLength = 2048;
    public const int MaxBindingLength = 1024;
    public const int MinChunkSize = 4096;
    public const int MaxChunkSize = 64 << 20;
    private const int FixedLength = 6 + 1 + 1 + 4 + NoncePrefixLength + 1;

    /// <summary>The first bytes of every encrypted object; never a zstd (28 B5 2F FD) or gzip (1F 8B) magic.</summary>
    public static ReadOnlySpan<byte> Magic => "NAENC\0"u8;

    public required string KeyId { get; init; }

    public required byte[] WrappedKey { get; init; }

    /// <summary>The object's key below the backup prefix (e.g. <c>wal/000000010000000000000003.zst</c>).</summary>
    public required string Binding { get; init; }

    public required int ChunkSize { get; init; }

    public required byte[] NoncePrefix { get; init; }

    public static bool StartsWithMagic(ReadOnlySpan<byte> content) => content.StartsWith(Magic);

    public byte[] Encode()
    {
        var keyId = Encoding.ASCII.GetBytes(KeyId);
        var binding = Encoding.UTF8.GetBytes(Binding);
        if (keyId.Length is 0 or > MaxKeyIdLength || WrappedKey.Length is 0 or > MaxWrappedKeyLength || binding.Length > MaxBindingLength
            || ChunkSize is < MinChunkSize or > MaxChunkSize || NoncePrefix.Length != NoncePrefixLength)
        {
            throw new ArgumentException("encrypted object header field out of range");
        }

        var bytes = new byte[FixedLength + keyId.Length + 2 + WrappedKey.Length + 2 + binding.Length];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        span[6] = Version;
        span[7] = AesGcmChunked;
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], (uint)ChunkSize);
        NoncePrefix.CopyTo(span[12..]);
        var at = 12 + NoncePrefixLength;
        span[at++] = (byte)keyId.Length;
        keyId.CopyTo(span[at..]);
        at += keyId.Length;
        BinaryPrimitives.WriteUInt16BigEndian(span[at..], (ushort)WrappedKey.Length);
        at += 2;
        WrappedKey.CopyTo(span[at..]);
        at += WrappedKey.Length;
        BinaryPrimitives.WriteUInt16BigEndian(span[at..], (ushort)binding.Length);
        at += 2;
        binding.CopyTo(span[at..]);
        return bytes;
    }

    /// <summary>SHA-256 of the encoded header: the associated data of every chunk.</summary>
    public static byte[] Digest(ReadOnlySpan<byte> encoded) => SHA256.HashData(encoded);

    /// <summary>Parses a header at the start of <paramref name="content"/>; <paramref name="length"/> is its encoded size.</summary>
    public static EncryptedObjectHeader Parse(ReadOnlySpan<byte> content, string objectKey, out int length)
    {
        if (!StartsWithMagic(content))
        {
            throw new InvalidDataException($"{objectKey} is not an encrypted backup object (no NAENC header)");
        }

        var reader = new Reader(content, objectKey);
        reader.Skip(6);
        var version = reader.Byte();
        var algorithm = reader.Byte();
        if (version != Version || algorithm != AesGcmChunked)
        {
            throw new InvalidDataException($"{objectKey}: encryption format {version}/{algorithm} is not supported (this agent reads {Version}/{AesGcmChunked})");
        }

        var chunk = reader.UInt32();
        if (chunk is < MinChunkSize or > MaxChunkSize)
        {
            throw new InvalidDataException($"{objectKey}: chunk size {chunk} is out of range");
        }

        var prefix = reader.Bytes(NoncePrefixLength).ToArray();
        var keyIdLength = reader.Byte();
        if (keyIdLength is 0 or > MaxKeyIdLength)
        {
            throw new InvalidDataException($"{objectKey}: key id length {keyIdLength} is out of range");
        }

        var keyIdBytes = reader.Bytes(keyIdLength);
        if (keyIdBytes.IndexOfAnyExceptInRange((byte)0x21, (byte)0x7E) >= 0)
        {
            throw new InvalidDataException($"{objectKey}: key id is not printable ASCII");
        }

        var keyId = Encoding.ASCII.GetString(keyIdBytes);
        var wrappedLength = reader.UInt16();
        if (wrappedLength is 0 or > MaxWrappedKeyLength)
        {
            throw new InvalidDataException($"{objectKey}: wrapped key length {wrappedLength} is out of range");
        }

        var wrapped = reader.Bytes(wrappedLength).ToArray();
        var bindingLength = reader.UInt16();
        if (bindingLength > MaxBindingLength)
        {
            throw new InvalidDataException($"{objectKey}: binding length {bindingLength} is out of range");
        }

        string binding;
        try
        {
            binding = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(reader.Bytes(bindingLength));
        }
        catch (DecoderFallbackException)
        {
            throw new InvalidDataException($"{objectKey}: binding is not UTF-8");
        }

        length = reader.Position;
        return new EncryptedObjectHeader { KeyId = keyId, WrappedKey = wrapped, Binding = binding, ChunkSize = (int)chunk, NoncePrefix = prefix };
    }

    /// <summary>Reads a header from the start of a stream, byte-exact: the stream is left at the first chunk.</summary>
    public static async Task<(EncryptedObjectHeader Header, byte[] Encoded)> ReadAsync(Stream stream, string objectKey, CancellationToken cancellationToken)
    {
        var buffer = new byte[FixedLength + MaxKeyIdLength + 2 + MaxWrappedKeyLength + 2 + MaxBindingLength];
        var filled = 0;
        async Task NeedAsync(int total)
        {
            while (filled < total)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(filled, total - filled), cancellationToken);
                if (n == 0)
                {
                    throw filled == 0
                        ? new InvalidDataException($"{objectKey} is empty (an encrypted object has at least a header and one chunk)")
                        : new InvalidDataException($"{objectKey} is truncated inside its encryption header");
                }

                filled += n;
            }
        }

        await NeedAsync(6);
        if (!StartsWithMagic(buffer.AsSpan(0, 6)))
        {
            throw new InvalidDataException($"{objectKey} is not an encrypted backup object (no NAENC header)");
        }

        await NeedAsync(FixedLength);
        var keyIdLength = buffer[FixedLength - 1];
        await NeedAsync(FixedLength + Math.Min((int)keyIdLength, MaxKeyIdLength) + 2);
        var wrappedAt = FixedLength + keyIdLength;
        var wrappedLength = keyIdLength <= MaxKeyIdLength ? BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(wrappedAt)) : 0;
        await NeedAsync(wrappedAt + 2 + Math.Min((int)wrappedLength, MaxWrappedKeyLength) + 2);
        var bindingAt = wrappedAt + 2 + wrappedLength;
        var bindingLength = wrappedLength <= MaxWrappedKeyLength ? BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(bindingAt)) : 0;
        await NeedAsync(bindingAt + 2 + Math.Min((int)bindingLength, MaxBindingLength));
        var header = Parse(buffer.AsSpan(0, filled), objectKey, out var length);
        return (header, buffer.AsSpan(0, length).ToArray());
    }

    private ref struct Reader(ReadOnlySpan<byte> content, string objectKey)
    {
        private readonly ReadOnlySpan<byte> _content = content;

        public int Position { get; private set; }

        public void Skip(int n) => Bytes(n);

        public byte Byte() => Bytes(1)[0];

        public ushort UInt16() => BinaryPrimitives.ReadUInt16BigEndian(Bytes(2));

        public uint UInt32() => BinaryPrimitives.ReadUInt32BigEndian(Bytes(4));

        public ReadOnlySpan<byte> Bytes(int n)
        {
            if (_content.Length - Position < n)
            {
                throw new InvalidDataException($"{objectKey} is truncated inside its encryption header");
            }

            var slice = _content.Slice(Position, n);
            Position += n;
            return slice;
        }
    }
}
