using System.Text;
using NodeAgent.Roles.Db.Backup.Encryption;
using NodeAgent.Storage;

namespace NodeAgent.Testing;

/// <summary>
/// What the encryption tests do to stored backup objects: damage them the ways an attacker or a bad disk would (one
/// flipped byte, a cut-off tail, two chunks swapped), and check that nothing under a prefix is stored in the clear.
/// </summary>
public static class EncryptedObjects
{
    private static readonly byte[] ZstdMagic = [0x28, 0xB5, 0x2F, 0xFD];
    private static readonly byte[] GzipMagic = [0x1F, 0x8B];

    /// <summary>The stored bytes with one bit flipped at <paramref name="offset"/> (negative: from the end).</summary>
    public static byte[] FlipByte(byte[] stored, int offset)
    {
        var copy = (byte[])stored.Clone();
        copy[offset < 0 ? copy.Length + offset : offset] ^= 0x01;
        return copy;
    }

    /// <summary>The stored bytes without their last <paramref name="bytes"/>.</summary>
    public static byte[] Truncate(byte[] stored, int bytes) => stored[..^bytes];

    /// <summary>The stored bytes with sealed chunks <paramref name="a"/> and <paramref name="b"/> (0-based, both full-size) swapped.</summary>
    public static byte[] SwapChunks(byte[] stored, int a, int b)
    {
        var header = EncryptedObjectHeader.Parse(stored, "object", out var headerLength);
        var size = header.ChunkSize + ChunkCipher.TagSize;
        if (headerLength + (Math.Max(a, b) + 1) * size >= stored.Length)
        {
            throw new ArgumentException($"the object has fewer than {Math.Max(a, b) + 2} chunks");
        }

        var copy = (byte[])stored.Clone();
        stored.AsSpan(headerLength + a * size, size).CopyTo(copy.AsSpan(headerLength + b * size));
        stored.AsSpan(headerLength + b * size, size).CopyTo(copy.AsSpan(headerLength + a * size));
        return copy;
    }

    /// <summary>
    /// Every object under <paramref name="prefix"/>: none starts with a zstd or gzip magic number, and none contains
    /// <paramref name="marker"/> (in ASCII). Returns how many objects were checked; fails naming the first offender.
    /// </summary>
    public static async Task<int> AssertNothingInTheClearAsync(IObjectStore store, string prefix, string marker)
    {
        var listing = await store.ListAsync(prefix + "/", null, CancellationToken.None);
        var needle = Encoding.ASCII.GetBytes(marker);
        foreach (var info in listing.Objects)
        {
            var stored = await store.GetAsync(info.Key, CancellationToken.None);
            Assert.NotNull(stored);
            var content = stored!.Content;
            Assert.False(content.AsSpan().StartsWith(ZstdMagic), $"{info.Key} starts with the zstd magic number");
            Assert.False(content.AsSpan().StartsWith(GzipMagic), $"{info.Key} starts with the gzip magic number");
            Assert.True(content.AsSpan().IndexOf(needle) < 0, $"{info.Key} contains the marker '{marker}' in the clear");
            if (!info.Key.EndsWith("/" + BackupCipher.MarkerName, StringComparison.Ordinal))
            {
                Assert.True(BackupCipher.IsEncrypted(content), $"{info.Key} is not an encrypted object");
            }
        }

        return listing.Objects.Count;
    }

    /// <summary>A fresh local key-encryption key (32 random bytes, base64) written to <paramref name="path"/>, mode 0640.</summary>
    public static string WriteLocalKey(string path)
    {
        File.WriteAllText(path, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "\n");
        NodeAgent.Roles.Db.Backup.UnixModes.Set(path, NodeAgent.Roles.Db.Backup.UnixModes.GroupReadable);
        return path;
    }
}
