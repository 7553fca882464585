using NodeAgent.Messaging;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Messaging;

public sealed class SqsMessageQueueTests
{
    private static readonly QueueSettings Settings = new()
    {
        VisibilityTimeout = TimeSpan.FromSeconds(30),
        ReceiveWaitTime = TimeSpan.FromSeconds(1),
        MaxReceiveCount = 2,
    };

    [Fact]
    public async Task EnsureQueue_CreatesQueueAndDeadLetterQueue_AndIsIdempotent()
    {
        var stack = await LocalStack.Shared();
        await using var services = stack.Services("unused");
        var queues = stack.Queue(services);
        var name = QueueNames.ForNode("t" + Guid.NewGuid().ToString("N")[..8], "web-1");

        var first = await queues.EnsureQueueAsync(name, Settings, CancellationToken.None);
        var second = await queues.EnsureQueueAsync(name, Settings with { VisibilityTimeout = TimeSpan.FromSeconds(45) }, CancellationToken.None);
        var described = await queues.DescribeQueueAsync(first.Url, CancellationToken.None);

        Assert.Equal(first.Url, second.Url);
        Assert.EndsWith(name, first.Url.AbsolutePath);
        Assert.EndsWith(name + "-dlq", first.DeadLetterUrl!.AbsolutePath);
        Assert.Equal(first.DeadLetterUrl, described.DeadLetterUrl);
        Assert.Equal("127.0.0.1", first.Url.Host);
    }

    [Fact]
    public async Task SendReceiveDelete_RoundTrip()
    {
        var stack = await LocalStack.Shared();
        await using var services = stack.Services("unused");
        var queues = stack.Queue(services);
        var queue = await queues.EnsureQueueAsync("rt-" + Guid.NewGuid().ToString("N")[..12], Settings, CancellationToken.None);

        await queues.SendAsync(queue.Url, "hello", CancellationToken.None);
        var received = await queues.ReceiveAsync(queue.Url, 10, TimeSpan.FromSeconds(2), CancellationToken.None);
        await queues.DeleteAsync(queue.Url, received[0].ReceiptHandle, CancellationToken.None);
        var again = await queues.ReceiveAsync(queue.Url, 10, TimeSpan.FromSeconds(1), CancellationToken.None);

        Assert.Equal("hello", Assert.Single(received).Body);
        Assert.Equal(1, received[0].ReceiveCount);
        Assert.NotNull(received[0].SentAt);
        Assert.Empty(again);
    }

    [Fact]
    public async Task Receive_AfterMaxReceives_MovesTheMessageToTheDeadLetterQueue()
    {
        var stack = await LocalStack.Shared();
        await using var services = stack.Services("unused");
        var queues = stack.Queue(services);
        var queue = await queues.EnsureQueueAsync("dlq-" + Guid.NewGuid().ToString("N")[..12], Settings, CancellationToken.None);
        await queues.SendAsync(queue.Url, "poison", CancellationToken.None);

        for (var i = 0; i < Settings.MaxReceiveCount; i++)
        {
            var got = await queues.ReceiveAsync(queue.Url, 1, TimeSpan.FromSeconds(2), CancellationToken.None);
            await queues.ChangeVisibilityAsync(queue.Url, Assert.Single(got).ReceiptHandle, TimeSpan.Zero, CancellationToken.None);
        }

        var after = await queues.ReceiveAsync(queue.Url, 1, TimeSpan.FromSeconds(1), CancellationToken.None);
        var dead = await queues.ReceiveAsync(queue.DeadLetterUrl!, 1, TimeSpan.FromSeconds(2), CancellationToken.None);

        Assert.Empty(after);
        Assert.Equal("poison", Assert.Single(dead).Body);
    }

    [Fact]
    public async Task DeleteQueue_IsIdempotent()
    {
        var stack = await LocalStack.Shared();
        await using var services = stack.Services("unused");
        var queues = stack.Queue(services);
        var queue = await queues.EnsureQueueAsync("del-" + Guid.NewGuid().ToString("N")[..12], Settings, CancellationToken.None);

        await queues.DeleteQueueAsync(queue.Url, CancellationToken.None);
        await queues.DeleteQueueAsync(queue.Url, CancellationToken.None);

        await Assert.ThrowsAnyAsync<Exception>(() => queues.SendAsync(queue.Url, "x", CancellationToken.None));
    }

    [Theory]
    [InlineData("shop-prod", "i-0123456789abcdef0", "nodeagent-shop-prod-i-0123456789abcdef0")]
    [InlineData("demo", "web.1", "nodeagent-demo-web_1")]
    public void ForNode_DerivesAValidQueueName(string cluster, string node, string expected)
        => Assert.Equal(expected, QueueNames.ForNode(cluster, node));

    [Fact]
    public void ForNode_WithLongNames_StaysWithinSqsLimitsAndDistinct()
    {
        var a = QueueNames.ForNode(new string('c', 40), new string('n', 60) + "a");
        var b = QueueNames.ForNode(new string('c', 40), new string('n', 60) + "b");

        Assert.True(a.Length + "-dlq".Length <= 80, a);
        Assert.NotEqual(a, b);
    }
}
