using System.Text.Json;
using System.Text.Json.Serialization;

namespace NodeAgent.Roles.Db.Postgres.Reseed;

/// <summary>
/// <c>PREFIX/base/ID/index.json.zst</c>: where every file of a base backup lies in its stored object, so a replica can
/// fetch only what differs (a delta re-seed). The backup's tar is compressed in independent zstd frames of
/// <see cref="FrameSize"/> tar bytes each; <see cref="Frames"/> gives each frame's offset and length in the stored
/// object. Each regular file's data is cut at frame boundaries into pieces, and <see cref="IndexEntry.Hashes"/> holds
/// one XXH128 per piece: a piece whose local copy hashes the same need not be fetched, and a fetched piece is checked
/// against it before it is written. Written before the manifest, whose <c>index_sha256</c> vouches for it.
/// </summary>
public sealed record BackupIndex
{
    public const int CurrentFormat = 1;

    /// <summary>At most this many bytes of stored index are read (a hostile object cannot exhaust memory).</summary>
    public const int MaxStoredBytes = 64 << 20;

    public const int MaxJsonBytes = 256 << 20;

    public int Format { get; init; } = CurrentFormat;

    public required string BackupId { get; init; }

    public required int FrameSize { get; init; }

    public required long TarBytes { get; init; }

    /// <summary>Per frame: [offset, length] in the stored object, in tar order.</summary>
    public required IReadOnlyList<long[]> Frames { get; init; }

    public required IReadOnlyList<IndexEntry> Entries { get; init; }

    public byte[] ToJsonBytes() => JsonSerializer.SerializeToUtf8Bytes(this, BackupIndexJson.Default.BackupIndex);

    public static BackupIndex Parse(ReadOnlySpan<byte> json, string key)
    {
        BackupIndex? index;
        try
        {
            index = JsonSerializer.Deserialize(json, BackupIndexJson.Default.BackupIndex);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{key} is not a valid backup index: {ex.Message.Split(" Path:")[0]}", ex);
        }

        return index ?? throw new InvalidDataException($"{key} is JSON null");
    }

    /// <summary>The uncompressed length of frame <paramref name="frame"/>.</summary>
    public int FrameLength(int frame) => (int)Math.Min(FrameSize, TarBytes - ((long)frame * FrameSize));

    /// <summary>
    /// Every check that makes the index safe to act on, against the manifest that vouched for it: frames contiguous and
    /// covering the stored object and the tar; entries with relative paths inside the data directory, data inside the
    /// tar, one hash per piece. Throws with the first problem.
    /// </summary>
    public void Validate(BaseBackupManifest manifest, string key)
    {
        void Fail(string why) => throw new InvalidDataException($"{key}: {why}");
        if (Format != CurrentFormat)
        {
            Fail($"format {Format} is not {CurrentFormat}");
        }

        if (BackupId != manifest.Id || TarBytes != manifest.TarBytes)
        {
            Fail($"describes backup {BackupId} of {TarBytes} tar bytes, not {manifest.Id} of {manifest.TarBytes}");
        }

        if (FrameSize is < 64 << 10 or > 64 << 20)
        {
            Fail($"frame size {FrameSize} is out of range");
        }

        var expectedFrames = (TarBytes + FrameSize - 1) / FrameSize;
        if (Frames.Count != expectedFrames)
        {
            Fail($"has {Frames.Count} frames; {TarBytes} tar bytes in frames of {FrameSize} make {expectedFrames}");
        }

        long offset = 0;
        foreach (var frame in Frames)
        {
            if (frame is not { Length: 2 } || frame[0] != offset || frame[1] is <= 0 or > 2L * 64 << 20)
            {
                Fail($"frame at stored offset {offset} is not contiguous or has a bad length");
            }

            offset += frame[1];
        }

        if (offset != manifest.StoredBytes)
        {
            Fail($"frames cover {offset} stored bytes; the object has {manifest.StoredBytes}");
        }

        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in Entries)
        {
            if (!IsSafePath(entry.Path) || !paths.Add(entry.Path))
            {
                Fail($"entry '{Truncate(entry.Path)}' is not a safe relative path, or repeats one");
            }

            switch (entry.Type)
            {
                case IndexEntry.File:
                    if (entry.Size < 0 || entry.Offset < 0 || entry.Offset + entry.Size > TarBytes)
                    {
                        Fail($"entry '{entry.Path}' lies outside the tar");
                    }

                    if ((entry.Hashes?.Count ?? 0) != entry.Pieces(FrameSize).Count())
                    {
                        Fail($"entry '{entry.Path}' has {entry.Hashes?.Count ?? 0} hashes for {entry.Pieces(FrameSize).Count()} pieces");
                    }

                    break;
                case IndexEntry.Directory:
                    break;
                case IndexEntry.Symlink when entry.Link is { Length: > 0 and < 1024 } link && !link.Contains('\0', StringComparison.Ordinal):
                    break;
                default:
                    Fail($"entry '{entry.Path}' has type '{entry.Type}' or a bad link target");
                    break;
            }
        }
    }

    private static bool IsSafePath(string? path)
        => path is { Length: > 0 and < 1024 } && !path.StartsWith('/') && !path.Contains('\0', StringComparison.Ordinal)
           && path.Split('/').All(part => part.Length > 0 && part != "." && part != "..");

    private static string Truncate(string? text) => text is null ? "(null)" : text.Length <= 80 ? text : text[..80] + "…";
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BackupIndex))]
internal sealed partial class BackupIndexJson : JsonSerializerContext;
