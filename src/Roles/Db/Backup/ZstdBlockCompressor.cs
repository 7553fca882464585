using ZstdSharp;
using ZstdSharp.Unsafe;

namespace NodeAgent.Roles.Db.Backup;

/// <summary>
/// Compresses whole buffers into single zstd frames with the content checksum, reusing one context: the native
/// libzstd when it loads (<see cref="LibZstd"/>), else the managed port. Both write standard frames, so either
/// decompressor reads either's output. Not thread-safe: one per thread.
/// </summary>
public sealed class ZstdBlockCompressor : IDisposable
{
    private readonly nint _native;
    private readonly Compressor? _managed;
    private bool _disposed;
    private byte[]? _scratch;

    public ZstdBlockCompressor(int level, bool preferNative = true)
    {
        if (preferNative && LibZstd.IsAvailable)
        {
            _native = LibZstd.CreateCCtx();
            if (_native == 0)
            {
                throw new InsufficientMemoryException("ZSTD_createCCtx failed");
            }

            Check(LibZstd.SetParameter(_native, LibZstd.CompressionLevelParameter, level));
            Check(LibZstd.SetParameter(_native, LibZstd.ChecksumFlagParameter, 1));
        }
        else
        {
            _managed = new Compressor(level);
            _managed.SetParameter(ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
        }
    }

    /// <summary>True when this instance compresses with the native library.</summary>
    public bool IsNative => _native != 0;

    /// <summary>Compresses <paramref name="content"/> into one frame and returns an exact-size array.</summary>
    public byte[] Compress(ReadOnlySpan<byte> content)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var bound = _native != 0 ? checked((int)LibZstd.CompressBound((nuint)content.Length)) : Compressor.GetCompressBound(content.Length);
        // One scratch buffer per compressor, reused for its blocks and dropped with it (a process-wide pool would keep
        // it after the backup, on an idle node: docs/footprint.md).
        if (_scratch is null || _scratch.Length < bound)
        {
            _scratch = GC.AllocateUninitializedArray<byte>(bound);
        }

        var written = _native != 0 ? CompressNative(content, _scratch) : _managed!.Wrap(content, _scratch);
        return _scratch.AsSpan(0, written).ToArray();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_native != 0)
        {
            _ = LibZstd.FreeCCtx(_native);
        }

        _managed?.Dispose();
    }

    private unsafe int CompressNative(ReadOnlySpan<byte> content, byte[] destination)
    {
        fixed (byte* source = content)
        fixed (byte* target = destination)
        {
            return (int)Check(LibZstd.Compress2(_native, target, (nuint)destination.Length, source, (nuint)content.Length));
        }
    }

    private static nuint Check(nuint code)
        => LibZstd.IsError(code) != 0 ? throw new InvalidOperationException($"zstd: {LibZstd.ErrorName(code)}") : code;
}
