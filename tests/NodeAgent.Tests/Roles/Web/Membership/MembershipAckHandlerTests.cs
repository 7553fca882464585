using NodeAgent.Bootstrap;
using NodeAgent.Messaging;
using NodeAgent.Roles;
using NodeAgent.Roles.Web.Membership;

namespace NodeAgent.Tests.Roles.Web.Membership;

public sealed class MembershipAckHandlerTests
{
    private static readonly NodeIdentity Web1 = new()
    {
        Cluster = "c1",
        Role = "web",
        NodeId = "web-1",
        InstanceId = "i-1",
        Address = System.Net.IPAddress.Loopback,
        Source = "test",
    };

    private static MessageEnvelope Envelope(string body) => new() { Type = MembershipMessage.Type, SentAt = DateTimeOffset.UtcNow, Body = body };

    private static readonly QueueMessage Raw = new() { MessageId = "m-1", ReceiptHandle = "r-1", Body = "{}" };

    [Fact]
    public async Task Removed_ForThisNode_CountsAsThatLbsAnswer_AndTheDrainWaitEnds()
    {
        var acks = new DrainAcknowledgements();
        var handler = new MembershipAckHandler(Web1, BuiltInRoles.Catalog(), acks);
        var wait = acks.WaitForAllAsync(["lb-1", "lb-2"], CancellationToken.None);

        var first = await handler.HandleAsync(Envelope("""{"cluster":"c1","role":"web","node_id":"web-1","event":"removed","by":"lb-1"}"""), Raw, CancellationToken.None);
        Assert.False(wait.IsCompleted);
        await handler.HandleAsync(Envelope("""{"cluster":"c1","role":"web","node_id":"web-1","event":"removed","by":"lb-2"}"""), Raw, CancellationToken.None);

        Assert.Equal(MessageDisposition.Completed, first.Disposition);
        await wait.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Theory]
    [InlineData("""{"cluster":"c1","role":"web","node_id":"web-2","event":"removed","by":"lb-1"}""", "not this node")]
    [InlineData("""{"cluster":"c2","role":"web","node_id":"web-1","event":"removed","by":"lb-1"}""", "not this node")]
    [InlineData("""{"cluster":"c1","role":"web","node_id":"web-1","event":"join"}""", "only accepts 'removed'")]
    [InlineData("""{"oops":1}""", "not valid")]
    public async Task AnythingElse_IsRejected_AndCountsAsNoAnswer(string body, string reason)
    {
        var acks = new DrainAcknowledgements();

        var outcome = await new MembershipAckHandler(Web1, BuiltInRoles.Catalog(), acks).HandleAsync(Envelope(body), Raw, CancellationToken.None);

        Assert.Equal(MessageDisposition.Rejected, outcome.Disposition);
        Assert.Contains(reason, outcome.Reason);
        Assert.Empty(acks.Acknowledged);
    }
}
