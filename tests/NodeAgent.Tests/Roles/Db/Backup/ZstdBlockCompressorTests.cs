using System.Text;
using NodeAgent.Roles.Db.Backup;

namespace NodeAgent.Tests.Roles.Db.Backup;

public sealed class ZstdBlockCompressorTests
{
    [Fact]
    public void TheSystemLibzstd_IsUsed_OnThisDebianImage()
    {
        using var compressor = new ZstdBlockCompressor(3);

        Assert.True(compressor.IsNative, "libzstd.so.1 (Debian libzstd1) did not load: compression would fall back to the slower managed port");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void NativeAndManagedFrames_DecompressToTheSameBytes_AndCarryTheContentChecksum(bool native)
    {
        var data = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 100_000).Select(i => $"row {i} {i % 13}\n")));
        using var compressor = new ZstdBlockCompressor(3, preferNative: native);

        var frame = compressor.Compress(data);
        var again = compressor.Compress(data);

        Assert.Equal(native, compressor.IsNative);
        Assert.Equal(data, ZstdCodec.Decompress(frame, data.Length));
        Assert.Equal(frame, again);
        Assert.True(frame.Length < data.Length / 4);
        Assert.Equal(0x04, frame[4] & 0x04); // frame header descriptor: Content_Checksum_flag
        var corrupt = (byte[])frame.Clone();
        corrupt[corrupt.Length / 2] ^= 0x55;
        Assert.ThrowsAny<Exception>(() => ZstdCodec.Decompress(corrupt, data.Length));
    }

    [Fact]
    public void AnEmptyBuffer_IsAValidEmptyFrame()
    {
        using var compressor = new ZstdBlockCompressor(3);

        Assert.Empty(ZstdCodec.Decompress(compressor.Compress([]), 0));
    }
}
