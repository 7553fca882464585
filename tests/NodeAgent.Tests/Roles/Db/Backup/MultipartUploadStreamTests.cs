using System.Security.Cryptography;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Storage;

namespace NodeAgent.Tests.Roles.Db.Backup;

public sealed class MultipartUploadStreamTests
{
    [Fact]
    public async Task Writes_AreCutIntoPartsOfThePlannedSize_AndCompleteInOrder()
    {
        var upload = new RecordingUpload();
        var data = RandomNumberGenerator.GetBytes((int)(PartSizePolicy.MinPartSize * 2 + 12345));
        await using var stream = new MultipartUploadStream(upload, PartSizePolicy.MinPartSize, inFlight: 2, CancellationToken.None);

        foreach (var chunk in data.Chunk(100_000))
        {
            await stream.WriteAsync(chunk);
        }

        await stream.CompleteAsync(CancellationToken.None);

        Assert.Equal([1, 2, 3], upload.Parts.Keys.Order());
        Assert.Equal(PartSizePolicy.MinPartSize, upload.Parts[1].Length);
        Assert.Equal(12345, upload.Parts[3].Length);
        Assert.True(upload.Completed);
        Assert.Equal(data, upload.Parts.OrderBy(p => p.Key).SelectMany(p => p.Value).ToArray());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), stream.Sha256Hex);
    }

    [Fact]
    public async Task DisposingWithoutCompleting_AbortsTheUpload()
    {
        var upload = new RecordingUpload();
        await using (var stream = new MultipartUploadStream(upload, PartSizePolicy.MinPartSize, inFlight: 2, CancellationToken.None))
        {
            await stream.WriteAsync(new byte[1000]);
        }

        Assert.False(upload.Completed);
        Assert.True(upload.Aborted);
    }

    [Fact]
    public async Task AFailedPart_FailsTheStream()
    {
        var upload = new RecordingUpload { FailPart = 1 };
        await using var stream = new MultipartUploadStream(upload, PartSizePolicy.MinPartSize, inFlight: 1, CancellationToken.None);

        var error = await Record.ExceptionAsync(async () =>
        {
            for (var i = 0; i < 4; i++)
            {
                await stream.WriteAsync(new byte[PartSizePolicy.MinPartSize]);
            }

            await stream.CompleteAsync(CancellationToken.None);
        });

        Assert.IsType<IOException>(error);
        Assert.False(upload.Completed);
    }

    private sealed class RecordingUpload : IMultipartUpload
    {
        public Dictionary<int, byte[]> Parts { get; } = [];

        public int FailPart { get; init; }

        public bool Completed { get; private set; }

        public bool Aborted { get; private set; }

        public string Key => "k";

        public Task UploadPartAsync(int partNumber, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            if (partNumber == FailPart)
            {
                throw new IOException("part upload failed");
            }

            lock (Parts)
            {
                Parts[partNumber] = content.ToArray();
            }

            return Task.CompletedTask;
        }

        public Task<ObjectInfo> CompleteAsync(CancellationToken cancellationToken)
        {
            Completed = true;
            return Task.FromResult(new ObjectInfo(Key, Parts.Values.Sum(p => p.Length), null, DateTimeOffset.UtcNow, ObjectInfo.NoMetadata));
        }

        public Task AbortAsync(CancellationToken cancellationToken)
        {
            Aborted = true;
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            if (!Completed)
            {
                Aborted = true;
            }

            return ValueTask.CompletedTask;
        }
    }
}
