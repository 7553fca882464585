using System.Globalization;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Backup.Encryption;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.MariaDb;

/// <summary>
/// The shipped binary logs under a prefix, read back as streams: S3 → decryption (every chunk authenticated) → zstd →
/// the log's own bytes, with its event headers followed (<see cref="BinlogEventScanner"/>) and its size (and SHA-256,
/// when stored in the clear) checked at the end.
/// </summary>
public sealed class BinlogArchive(IObjectStore store, MariaDbLayout layout, BackupCipher? cipher = null)
{
    private readonly BackupCipher _cipher = cipher ?? BackupCipher.None;

    /// <summary>Every shipped log, in log order.</summary>
    public async Task<IReadOnlyList<ShippedBinlog>> ListAsync(CancellationToken cancellationToken)
    {
        var listing = await store.ListAsync(layout.BinlogDirectory, null, cancellationToken);
        return listing.Objects.Select(o => layout.BinlogNameOf(o.Key)).OfType<string>().Select(ShippedBinlog.TryParse).OfType<ShippedBinlog>().Order().ToList();
    }

    public async Task<BinlogRead> OpenAsync(string name, CancellationToken cancellationToken)
    {
        var key = layout.Binlog(name);
        var info = await store.HeadAsync(key, cancellationToken) ?? throw new InvalidOperationException($"{key} is not in the archive");
        if (!info.Metadata.TryGetValue("size", out var sizeText) || !long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            throw new InvalidDataException($"{key} has no size metadata; it was not shipped by nodeagent");
        }

        info.Metadata.TryGetValue("sha256", out var sha);
        var body = await store.OpenReadAsync(key, cancellationToken) ?? throw new InvalidOperationException($"{key} vanished");
        var plain = await _cipher.OpenReadAsync(body, layout.Prefix, key, cancellationToken);
        var hashed = new HashingStream(ZstdCodec.DecompressFrom(plain));
        return new BinlogRead(key, new BinlogEventScanner(hashed, name), hashed, size, sha);
    }

    /// <summary>Reads a whole log without using it: authenticity, size, checksum and event chain; returns its first and last event times.</summary>
    public async Task<BinlogRead> CheckAsync(string name, CancellationToken cancellationToken)
    {
        var read = await OpenAsync(name, cancellationToken);
        await using (read.Stream)
        {
            await read.Stream.CopyToAsync(Stream.Null, 1 << 20, cancellationToken);
            read.EnsureComplete();
        }

        return read;
    }
}

/// <summary>One shipped log being read: <see cref="Stream"/> yields its bytes; <see cref="EnsureComplete"/> checks it once read to the end.</summary>
public sealed class BinlogRead(string key, BinlogEventScanner scanner, HashingStream hashed, long size, string? sha256)
{
    public string Key => key;

    public BinlogEventScanner Stream => scanner;

    public DateTimeOffset? FirstEvent => scanner.FirstEvent;

    public DateTimeOffset? LastEvent => scanner.LastEvent;

    public long Size => size;

    public void EnsureComplete()
    {
        scanner.EnsureComplete();
        if (hashed.BytesSeen != size)
        {
            throw new InvalidDataException($"{key}: {hashed.BytesSeen} bytes, its metadata says {size}");
        }

        if (sha256 is not null && !string.Equals(hashed.Sha256Hex, sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"{key} is corrupt: sha256 {hashed.Sha256Hex}, expected {sha256}");
        }
    }
}
