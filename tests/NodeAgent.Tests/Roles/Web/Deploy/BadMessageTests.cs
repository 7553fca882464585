using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NodeAgent.Messaging;
using NodeAgent.Roles.Web.Deploy;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Web.Deploy;

/// <summary>
/// Bad messages on a real queue, through the real consumer and deploy handler: each is rejected with a reason, nothing
/// is checked out, and the message goes to the dead-letter queue at once (issue 12), with the reason as an attribute.
/// </summary>
public sealed class BadMessageTests
{
    private const string Key = "test-signing-key";
    private const string QueueYaml = "{wait_time: 1s, signing_key: test-signing-key, max_receive_count: 2, max_message_age: 1d, visibility_timeout: 30s}";

    private static string Signed(string type, string body, DateTimeOffset? at = null)
    {
        var time = new FakeTimeProvider(at ?? DateTimeOffset.UtcNow);
        return new MessageCodec(Encoding.UTF8.GetBytes(Key), TimeSpan.FromMinutes(1), time).Encode(type, body);
    }

    private static string Deploy(string body) => Signed("deploy", body);

    // Bodies are built when the theory is discovered, possibly minutes before a case runs: the replay window of these
    // nodes is a day, and the stale case is three days old.
    public static TheoryData<string, string, string> Cases() => new()
    {
        // name, raw queue body, text the rejection reason must contain
        { "malformed JSON", "{\"nodeagent\":1,\"type\":", "not valid JSON" },
        { "envelope is not an object", "[1,2,3]", "not a JSON object" },
        { "envelope missing body", Signed("deploy", "{}").Replace(",\"body\":\"{}\"", string.Empty), "'body' is missing" },
        { "envelope with extra field", Signed("deploy", "{}").Replace("{\"nodeagent\"", "{\"repository\":\"x\",\"nodeagent\""), "unknown field 'repository'" },
        { "oversized message", Signed("deploy", "{\"app\":\"shop\",\"sequence\":1,\"revision\":\"" + new string('a', 70_000) + "\"}"), "larger than 65536 bytes" },
        { "unsigned message", new MessageCodec(null, TimeSpan.FromMinutes(1), TimeProvider.System).Encode("deploy", "{\"app\":\"shop\",\"sequence\":1}"), "unsigned" },
        { "bad signature", new MessageCodec(Encoding.UTF8.GetBytes("wrong-key"), TimeSpan.FromMinutes(1), TimeProvider.System).Encode("deploy", "{\"app\":\"shop\",\"sequence\":1}"), "signature does not verify" },
        { "tampered body", Deploy("{\"app\":\"shop\",\"sequence\":1}").Replace("\\u0022sequence\\u0022:1", "\\u0022sequence\\u0022:9"), "signature does not verify" },
        { "stale timestamp", Signed("deploy", "{\"app\":\"shop\",\"sequence\":1}", DateTimeOffset.UtcNow.AddDays(-3)), "replay window" },
        { "timestamp in the future", Signed("deploy", "{\"app\":\"shop\",\"sequence\":1}", DateTimeOffset.UtcNow.AddHours(1)), "in the future" },
        { "deploy body not JSON", Deploy("{app: shop}"), "deploy body is not valid JSON" },
        { "deploy body missing sequence", Deploy("{\"app\":\"shop\"}"), "missing field 'sequence'" },
        { "deploy body missing app", Deploy("{\"sequence\":3}"), "missing field 'app'" },
        { "deploy body with extra field", Deploy("{\"app\":\"shop\",\"sequence\":3,\"repository_url\":\"https://evil.example/x.git\"}"), "unknown field 'repository_url'" },
        { "deploy body with hook field", Deploy("{\"app\":\"shop\",\"sequence\":3,\"hooks\":{\"build\":[\"rm\",\"-rf\",\"/\"]}}"), "unknown field 'hooks'" },
        { "sequence as a string", Deploy("{\"app\":\"shop\",\"sequence\":\"3\"}"), "'sequence' must be a whole number" },
        { "sequence below one", Deploy("{\"app\":\"shop\",\"sequence\":-4}"), "at least 1" },
        { "oversized deploy body", Deploy("{\"app\":\"shop\",\"sequence\":3,\"revision\":\"" + new string('b', 2000) + "\"}"), "larger than 1024 bytes" },
        { "path traversal in app", Deploy("{\"app\":\"../../etc\",\"sequence\":3}"), "'app' must be a lower-case name" },
        { "path traversal in revision", Deploy("{\"app\":\"shop\",\"sequence\":3,\"revision\":\"../../etc/passwd\"}"), "must not contain '..'" },
        { "option injection in revision", Deploy("{\"app\":\"shop\",\"sequence\":3,\"revision\":\"--upload-pack=touch /tmp/x\"}"), "revision" },
        { "unknown app", Deploy("{\"app\":\"blog\",\"sequence\":3}"), "app 'blog' is not configured on this node" },
        { "unknown message type", Signed("launch", "{}"), "no handler for message type 'launch'" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadMessage_IsRejectedWithAReason_ChecksOutNothing_AndIsDeadLetteredAtOnce(string name, string body, string reason)
    {
        var (node, repo, dir) = await DeployTests.NodeAsync("bad", queue: QueueYaml);
        using var _ = dir;
        await using var __ = node;
        repo.Commit("index.html", "v1");
        var queue = await node.StartAsync();

        await node.Queues.SendAsync(queue.Url, body, CancellationToken.None);
        var received = await node.Consumer().ReceiveOnceAsync(CancellationToken.None);

        Assert.Equal(1, received);
        var rejection = Assert.Single(node.Logs.WithId(1513));
        Assert.Contains(reason, rejection.Message);
        Assert.False(Directory.Exists(node.Layout().ReleasesDir), $"{name}: something was checked out");
        Assert.False(Directory.Exists(NodeAgent.Roles.Web.Checkout.SourceCheckouts.MirrorPath(node.Config.Node.StateDir, "shop")), $"{name}: the repository was fetched");
        Assert.Empty(node.Logs.WithId(1511));
        Assert.Empty(node.Logs.WithId(1512));
        Assert.Equal(0, await node.Queues.ApproximateCountAsync(queue.Url, CancellationToken.None));
        var dead = Assert.Single(await node.Queues.ReceiveAsync(queue.DeadLetterUrl!, 10, TimeSpan.FromSeconds(2), CancellationToken.None));
        Assert.Equal(body, dead.Body);
        Assert.Contains(reason, dead.Attributes[QueueConsumerService.RejectionAttribute]);
    }

    internal static async Task<QueueMessage> DeadLetterAsync(DeployNode node, QueueAddress queue)
        => Assert.Single(await node.Queues.ReceiveAsync(queue.DeadLetterUrl!, 10, TimeSpan.FromSeconds(2), CancellationToken.None));

    [Fact]
    public async Task RefThatDoesNotExist_IsRejectedAndReported_NothingCheckedOut_DeadLettered()
    {
        var (node, repo, dir) = await DeployTests.NodeAsync("badref", queue: QueueYaml);
        using var _ = dir;
        await using var __ = node;
        repo.Commit("index.html", "v1");
        var queue = await node.StartAsync();

        var published = await node.PublishAsync("no-such-branch");
        await node.Consumer().RunOnceAsync(CancellationToken.None);

        var rejection = Assert.Single(node.Logs.WithId(1513));
        Assert.Contains("revision 'no-such-branch' does not exist in the repository of app 'shop'", rejection.Message);
        Assert.False(Directory.Exists(node.Layout().ReleasesDir) && Directory.EnumerateFileSystemEntries(node.Layout().ReleasesDir).Any());
        Assert.Null(node.Layout().Current());
        Assert.Equal(0, await node.Queues.ApproximateCountAsync(queue.Url, CancellationToken.None));
        Assert.Contains("does not exist in the repository", (await DeadLetterAsync(node, queue)).Attributes[QueueConsumerService.RejectionAttribute]);
        var status = Assert.Single(await node.Services.GetRequiredService<DeploymentStatusStore>().ListAsync(node.Identity.Cluster, published.Sequence, CancellationToken.None));
        Assert.Equal(DeployStates.Rejected, status.State);
    }

    [Fact]
    public async Task RejectedMessage_ReachesTheDeadLetterQueue_AtOnce_NotAfterMaxReceives()
    {
        var (node, repo, dir) = await DeployTests.NodeAsync("baddlq", queue: QueueYaml);
        using var _ = dir;
        await using var __ = node;
        repo.Commit("index.html", "v1");
        var queue = await node.StartAsync();
        await node.Queues.SendAsync(queue.Url, Deploy("{\"app\":\"../etc\",\"sequence\":1}"), CancellationToken.None);
        var consumer = node.Consumer();

        var receives = 0;
        for (var i = 0; i < 6; i++)
        {
            receives += await consumer.ReceiveOnceAsync(CancellationToken.None);
        }

        Assert.Equal(1, receives);
        Assert.Single(node.Logs.WithId(1513));
        Assert.Equal(0, await node.Queues.ApproximateCountAsync(queue.Url, CancellationToken.None));
        var dead = await node.Queues.ReceiveAsync(queue.DeadLetterUrl!, 1, TimeSpan.FromSeconds(2), CancellationToken.None);
        Assert.Contains("../etc", JsonDocument.Parse(Assert.Single(dead).Body).RootElement.GetProperty("body").GetString());
        Assert.False(Directory.Exists(node.Layout().ReleasesDir));
    }

    [Fact]
    public async Task Visibility_IsExtended_WhileADeployRunsLongerThanTheVisibilityTimeout()
    {
        var (node, repo, dir) = await DeployTests.NodeAsync("vis", """
                  hooks:
                    build: {command: [sleep, "8"], timeout: 30s}
            """, queue: "{wait_time: 1s, visibility_timeout: 5s}");
        using var _ = dir;
        await using var __ = node;
        repo.Commit("index.html", "slow");
        var queue = await node.StartAsync();
        await node.PublishAsync("main");

        var consume = node.Consumer().ReceiveOnceAsync(CancellationToken.None);
        var stolen = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!consume.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            stolen += (await node.Queues.ReceiveAsync(queue.Url, 1, TimeSpan.FromSeconds(1), CancellationToken.None)).Count;
        }

        await consume;
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(7), $"the deploy took only {clock.Elapsed}");
        Assert.Equal(0, stolen);
        Assert.True(node.Logs.WithId(1516).Count() >= 2, "visibility was not extended");
        Assert.Equal("slow", node.ReadCurrent("index.html"));
        Assert.Single(node.Logs.WithId(1511));
        Assert.Equal(0, await node.Queues.ApproximateCountAsync(queue.Url, CancellationToken.None));
    }
}
