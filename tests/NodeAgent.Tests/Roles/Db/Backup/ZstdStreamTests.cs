using System.Text;
using NodeAgent.Roles.Db.Backup;

namespace NodeAgent.Tests.Roles.Db.Backup;

public sealed class ZstdStreamTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task ParallelBlocks_DecompressToTheSameBytes_InOrder(int workers)
    {
        var data = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 400_000).Select(i => $"row {i} {i % 17}\n")));
        var compressed = new MemoryStream();

        await using (var zstd = new ParallelZstdStream(compressed, 3, workers, blockSize: 1 << 20))
        {
            foreach (var chunk in data.Chunk(70_001))
            {
                await zstd.WriteAsync(chunk);
            }
        }

        var output = new MemoryStream();
        await using (var reader = ZstdCodec.DecompressFrom(new MemoryStream(compressed.ToArray())))
        {
            await reader.CopyToAsync(output);
        }

        Assert.Equal(data, output.ToArray());
        Assert.True(compressed.Length < data.Length / 4);
    }

    [Fact]
    public async Task ACorruptedFrame_FailsToDecompress()
    {
        var compressed = new MemoryStream();
        await using (var zstd = new ParallelZstdStream(compressed, 3, 2, blockSize: 1 << 16))
        {
            await zstd.WriteAsync(Encoding.ASCII.GetBytes(new string('a', 300_000) + "tail"));
        }

        var bytes = compressed.ToArray();
        bytes[bytes.Length / 2] ^= 0x55;

        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var reader = ZstdCodec.DecompressFrom(new MemoryStream(bytes));
            await reader.CopyToAsync(Stream.Null);
        });
    }
}
