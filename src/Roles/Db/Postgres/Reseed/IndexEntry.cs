using System.Text.Json.Serialization;

namespace NodeAgent.Roles.Db.Postgres.Reseed;

/// <summary>
/// One entry of a base backup: a regular file (<c>f</c>: its size, where its data starts in the tar, a hash per piece),
/// a directory (<c>d</c>) or a symbolic link (<c>l</c>: its target); with its mode.
/// </summary>
public sealed record IndexEntry
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
