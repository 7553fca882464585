using System.Text;
using Microsoft.Extensions.Time.Testing;
using NodeAgent.Messaging;
using NodeAgent.Testing;
using NodeAgent.Tests.Roles.Web.Deploy;

namespace NodeAgent.Tests.Messaging;

/// <summary>
/// Issue 12 #12: an envelope whose version was 1.5 or 10000000000 threw inside the codec, the consumer had no
/// per-message guard, and the whole received batch was never released — correctly signed neighbours went to the
/// dead-letter queue after three visibility timeouts and their deploys waited for the safety poll. Now each message
/// of a batch is handled on its own, and a poison message goes to the dead-letter queue at once, with its reason.
/// </summary>
public sealed class QueueConsumerTests
{
    private const string Key = "consumer-test-key";
    private const string QueueYaml = "{wait_time: 1s, signing_key: consumer-test-key, max_receive_count: 3, visibility_timeout: 30s}";

    private static string Signed(string type, string body)
        => new MessageCodec(Encoding.UTF8.GetBytes(Key), TimeSpan.FromMinutes(15), new FakeTimeProvider(DateTimeOffset.UtcNow)).Encode(type, body);

    [Fact]
    public async Task PoisonEnvelopes_InABatch_AreDeadLetteredAtOnceWithTheirReason_AndTheirSignedNeighbourIsDeployed()
    {
        var (node, repo, dir) = await DeployTests.NodeAsync("poison", queue: QueueYaml);
        using var _ = dir;
        await using var __ = node;
        repo.Commit("index.html", "v1");
        var queue = await node.StartAsync();
        var good = Signed("deploy", "{\"app\":\"shop\",\"sequence\":1}");
        await node.Queues.SendAsync(queue.Url, good.Replace("\"nodeagent\":1,", "\"nodeagent\":1.5,"), CancellationToken.None);
        await node.Queues.SendAsync(queue.Url, good.Replace("\"nodeagent\":1,", "\"nodeagent\":10000000000,"), CancellationToken.None);
        await node.PublishAsync("main");
        var consumer = node.Consumer();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var received = 0;
        for (var round = 0; round < 5 && received < 3; round++)
        {
            received += await consumer.ReceiveOnceAsync(CancellationToken.None);
        }

        Assert.Equal(3, received);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(25), $"handling took {clock.Elapsed}: the batch waited for a visibility timeout");
        Assert.Equal("v1", node.ReadCurrent("index.html"));
        Assert.Single(node.Logs.WithId(1511));
        Assert.Equal(2, node.Logs.WithId(1519).Count());
        Assert.Empty(node.Logs.WithId(1518));
        Assert.Equal(0, await node.Queues.ApproximateCountAsync(queue.Url, CancellationToken.None));
        var dead = new List<QueueMessage>();
        for (var i = 0; i < 5 && dead.Count < 2; i++)
        {
            dead.AddRange(await node.Queues.ReceiveAsync(queue.DeadLetterUrl!, 10, TimeSpan.FromSeconds(1), CancellationToken.None));
        }

        Assert.Equal(2, dead.Count);
        Assert.All(dead, m => Assert.Contains("'nodeagent' must be 1", m.Attributes[QueueConsumerService.RejectionAttribute]));
        Assert.All(dead, m => Assert.Equal(1, m.ReceiveCount));
    }

    [Fact]
    public async Task AHandlerThatThrowsAParserException_IsARejection_NotARetry()
    {
        var (node, repo, dir) = await DeployTests.NodeAsync("parsethrow", queue: QueueYaml);
        using var _ = dir;
        await using var __ = node;
        repo.Commit("index.html", "v1");
        var queue = await node.StartAsync();
        await node.Queues.SendAsync(queue.Url, Signed("membership", "{\"cluster\":\"\\ud800\"}"), CancellationToken.None);

        await node.Consumer().ReceiveOnceAsync(CancellationToken.None);

        Assert.Single(node.Logs.WithId(1513));
        Assert.Empty(node.Logs.WithId(1514));
        Assert.Equal(0, await node.Queues.ApproximateCountAsync(queue.Url, CancellationToken.None));
    }
}
