using ZstdSharp;
using ZstdSharp.Unsafe;

namespace NodeAgent.Roles.Db.Backup;

/// <summary>
/// zstd for whole buffers (WAL segments, binlogs, small files) and streams (base backups, dumps). Every frame carries
/// zstd's own content checksum, so a corrupted object fails to decompress instead of yielding wrong bytes.
/// </summary>
public static class ZstdCodec
{
    /// <summary>One frame with the content checksum; native libzstd when available (<see cref="ZstdBlockCompressor"/>).</summary>
    public static byte[] Compress(ReadOnlySpan<byte> content, int level)
    {
        using var compressor = new ZstdBlockCompressor(level);
        return compressor.Compress(content);
    }

    /// <summary>Decompresses a whole object; <paramref name="expectedSize"/> bounds the output (from the object's metadata).</summary>
    public static byte[] Decompress(ReadOnlySpan<byte> compressed, long expectedSize)
    {
        if (expectedSize is < 0 or > int.MaxValue)
        {
            throw new InvalidDataException($"decompressed size {expectedSize} is out of range");
        }

        using var decompressor = new Decompressor();
        var output = new byte[expectedSize];
        var written = decompressor.Unwrap(compressed, output);
        if (written != expectedSize)
        {
            throw new InvalidDataException($"decompressed {written} bytes, expected {expectedSize}");
        }

        return output;
    }

    /// <summary>Decompresses a whole object of unknown size, refusing more than <paramref name="maxSize"/> bytes of output.</summary>
    public static byte[] DecompressBounded(byte[] compressed, int maxSize)
    {
        using var input = new DecompressionStream(new MemoryStream(compressed, writable: false), 1 << 20, checkEndOfStream: true, leaveOpen: false);
        using var output = new MemoryStream();
        var buffer = new byte[1 << 16];
        int n;
        while ((n = input.Read(buffer)) > 0)
        {
            if (output.Length + n > maxSize)
            {
                throw new InvalidDataException($"decompresses to more than {maxSize} bytes");
            }

            output.Write(buffer, 0, n);
        }

        return output.ToArray();
    }

    /// <summary>
    /// A write stream that compresses into <paramref name="inner"/>; dispose it to finish. With more than one core,
    /// blocks are compressed in parallel as independent frames (<see cref="ParallelZstdStream"/>).
    /// </summary>
    public static Stream CompressTo(Stream inner, int level)
    {
        var workers = Math.Min(Environment.ProcessorCount, 4);
        if (workers > 1)
        {
            return new ParallelZstdStream(inner, level, workers);
        }

        var stream = new CompressionStream(inner, level, 1 << 20, leaveOpen: true);
        stream.SetParameter(ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
        return stream;
    }

    /// <summary>A read stream of the decompressed content of <paramref name="inner"/>.</summary>
    public static Stream DecompressFrom(Stream inner) => new DecompressionStream(inner, 1 << 20, checkEndOfStream: true, leaveOpen: false);
}
