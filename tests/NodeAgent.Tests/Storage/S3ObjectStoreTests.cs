using System.Text;
using NodeAgent.Storage;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Storage;

public sealed class S3ObjectStoreTests
{
    [Fact]
    public async Task PutGetHeadDelete_RoundTripAgainstTheLocalS3()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("store");
        await using var services = stack.Services(bucket);
        var store = stack.Store(services);
        var content = Encoding.UTF8.GetBytes("{\"hello\":\"world\"}");

        await store.PutAsync("c1/apps/shop/desired.json", content, new PutOptions
        {
            ContentType = "application/json",
            Metadata = new Dictionary<string, string> { ["sequence"] = "42" },
        }, CancellationToken.None);
        var read = await store.GetAsync("c1/apps/shop/desired.json", CancellationToken.None);
        var head = await store.HeadAsync("c1/apps/shop/desired.json", CancellationToken.None);
        await store.DeleteAsync("c1/apps/shop/desired.json", CancellationToken.None);

        Assert.Equal(content, read!.Content);
        Assert.Equal(content.Length, head!.Size);
        Assert.Equal("42", head.Metadata["sequence"]);
        Assert.Null(await store.GetAsync("c1/apps/shop/desired.json", CancellationToken.None));
        Assert.Null(await store.HeadAsync("c1/apps/shop/desired.json", CancellationToken.None));
    }

    [Fact]
    public async Task List_WithDelimiter_ReturnsObjectsAndSubPrefixes()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("list");
        await using var services = stack.Services(bucket);
        var store = stack.Store(services);
        foreach (var key in new[] { "c/nodes/web/a.json", "c/nodes/web/b.json", "c/nodes/lb/x.json", "c/apps/shop/desired.json" })
        {
            await store.PutAsync(key, "{}"u8.ToArray(), null, CancellationToken.None);
        }

        var roles = await store.ListAsync("c/nodes/", "/", CancellationToken.None);
        var web = await store.ListAsync("c/nodes/web/", "/", CancellationToken.None);

        Assert.Equal(["c/nodes/lb/", "c/nodes/web/"], roles.CommonPrefixes.Order().ToArray());
        Assert.Empty(roles.Objects);
        Assert.Equal(["c/nodes/web/a.json", "c/nodes/web/b.json"], web.Objects.Select(o => o.Key).Order().ToArray());
    }

    [Fact]
    public async Task List_MoreThanOnePage_FollowsContinuationTokens()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("page");
        await using var services = stack.Services(bucket);
        var store = stack.Store(services);
        await Parallel.ForEachAsync(Enumerable.Range(0, 1050), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, ct) => await store.PutAsync($"p/{i:D5}", "x"u8.ToArray(), null, ct));

        var listing = await store.ListAsync("p/", null, CancellationToken.None);

        Assert.Equal(1050, listing.Objects.Count);
        Assert.Equal(1050, listing.Objects.Select(o => o.Key).Distinct().Count());
    }

    [Fact]
    public async Task MultipartUpload_AssemblesPartsInOrder()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("mpu");
        await using var services = stack.Services(bucket);
        var store = stack.Store(services);
        var part1 = new byte[5 * 1024 * 1024];
        Random.Shared.NextBytes(part1);
        var part2 = Encoding.UTF8.GetBytes("tail");

        await using (var upload = await store.StartMultipartUploadAsync("big/object.bin", null, CancellationToken.None))
        {
            await upload.UploadPartAsync(1, part1, CancellationToken.None);
            await upload.UploadPartAsync(2, part2, CancellationToken.None);
            await upload.CompleteAsync(CancellationToken.None);
        }

        var read = await store.GetAsync("big/object.bin", CancellationToken.None);
        Assert.Equal(part1.Concat(part2).ToArray(), read!.Content);
    }

    [Fact]
    public async Task MultipartUpload_DisposedWithoutComplete_LeavesNoObject()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("abort");
        await using var services = stack.Services(bucket);
        var store = stack.Store(services);

        await using (var upload = await store.StartMultipartUploadAsync("half/object.bin", null, CancellationToken.None))
        {
            await upload.UploadPartAsync(1, new byte[1024], CancellationToken.None);
        }

        Assert.Null(await store.HeadAsync("half/object.bin", CancellationToken.None));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(1)]
    public async Task Get_WhenS3IsDown_TriesMaxAttemptsTimesThenFails(int attempts)
    {
        var stack = await LocalStack.StartAsync();
        var bucket = await stack.CreateBucketAsync("down");
        await using var services = stack.Services(bucket, new NodeAgent.Configuration.RetryConfig
        {
            MaxAttempts = attempts,
            BaseDelay = TimeSpan.FromMilliseconds(20),
            MaxDelay = TimeSpan.FromMilliseconds(50),
        });
        var store = stack.Store(services);
        await stack.DisposeAsync();

        await Assert.ThrowsAnyAsync<Exception>(() => store.GetAsync("anything", CancellationToken.None));

        var metrics = services.GetService(typeof(Prometheus.CollectorRegistry)) as Prometheus.CollectorRegistry;
        using var text = new MemoryStream();
        await metrics!.CollectAndExportAsTextAsync(text);
        Assert.Contains($"nodeagent_aws_requests_total{{service=\"s3\",operation=\"GetObject\"}} {attempts}", Encoding.UTF8.GetString(text.ToArray()));
    }
}
