using System.Text.Json.Serialization;

namespace NodeAgent.Roles.Db.Postgres.Reseed;

/// <summary>
/// One entry of a base backup: a regular file (<c>f</c>: its size, where its data starts in the tar, a hash per piece),
/// a directory (<c>d</c>) or a symbolic link (<c>l</c>: its target); with its mode.
/// </summary>
public sealed partial record IndexEntry
{
    public const string File = "f";
    public const string Directory = "d";
    public const string Symlink = "l";

    [JsonPropertyName("p")]
    public required string Path { get; init; }

    [JsonPropertyName("t")]
    public required string Type { get; init; }

    [JsonPropertyName("m")]
    public int Mode { get; init; }

    [JsonPropertyName("s")]
    public long Size { get; init; }

    /// <summary>Where the file's data starts in the tar.</summary>
    [JsonPropertyName("o")]
    public long Offset { get; init; }

    [JsonPropertyName("l")]
    public string? Link { get; init; }

    /// <summary>XXH128 (hex) of each piece, in order.</summary>
    [JsonPropertyName("h")]
    public IReadOnlyList<string>? Hashes { get; init; }

    /// <summary>
    /// Relation data files (8 KiB pages): each page's LSN (<c>pd_lsn</c>, the last WAL record that changed it) as it is in
    /// the backup, little-endian 64-bit values, base64. Lets a re-seed keep a local page that has the same LSN (the same
    /// last change; only hint bits may differ) instead of fetching it.
    /// </summary>
    [JsonPropertyName("n")]
    public string? PageLsns { get; init; }

    public const int PageSize = 8192;

    /// <summary>The page LSNs decoded; empty when the entry has none or they do not fit its size.</summary>
    public ulong[] DecodePageLsns()
    {
        if (PageLsns is null || Size % PageSize != 0)
        {
            return [];
        }

        byte[] raw;
        try
        {
            raw = Convert.FromBase64String(PageLsns);
        }
        catch (FormatException)
        {
            return [];
        }

        if (raw.Length != Size / PageSize * 8)
        {
            return [];
        }

        var lsns = new ulong[raw.Length / 8];
        for (var i = 0; i < lsns.Length; i++)
        {
            lsns[i] = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(raw.AsSpan(i * 8));
        }

        return lsns;
    }

    /// <summary>Whether a path in the data directory is a relation's data file (main, fsm, vm or init fork, any segment).</summary>
    public static bool IsRelationFile(string path) => RelationFile().IsMatch(path);

    [System.Text.RegularExpressions.GeneratedRegex(@"^(global|base/[0-9]+|pg_tblspc/[0-9]+/[^/]+/[0-9]+)/[0-9]+(_fsm|_vm|_init)?(\.[0-9]+)?$")]
    private static partial System.Text.RegularExpressions.Regex RelationFile();

    /// <summary>The file's pieces: its data cut at frame boundaries, as (frame, offset in the file, offset in the tar, length).</summary>
    public IEnumerable<IndexPiece> Pieces(int frameSize)
    {
        var position = Offset;
        var end = Offset + Size;
        while (position < end)
        {
            var frame = (int)(position / frameSize);
            var frameEnd = ((long)frame + 1) * frameSize;
            var length = (int)(Math.Min(end, frameEnd) - position);
            yield return new IndexPiece(frame, position - Offset, position, length);
            position += length;
        }
    }
}
