using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Bootstrap;
using NodeAgent.Messaging;
using NodeAgent.Registry;
using NodeAgent.Roles;
using NodeAgent.Roles.Web.Membership;
using NodeAgent.Testing;

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

    private static MembershipAckHandler Handler(DrainAcknowledgements acks, NodeStatusBoard board, ListLogger<MembershipAckHandler>? log = null)
        => new(Web1, BuiltInRoles.Catalog(), acks, board, (Microsoft.Extensions.Logging.ILogger<MembershipAckHandler>?)log ?? NullLogger<MembershipAckHandler>.Instance);

    private static string Removed(string by, DrainInfo? drain) => new MembershipMessage
    {
        Cluster = "c1",
        Role = "web",
        NodeId = "web-1",
        Event = MembershipMessage.Removed,
        By = by,
        DrainId = drain?.Id,
        DrainStartedAt = drain?.StartedAt,
    }.Serialize();

    [Fact]
    public async Task Removed_ForThisNode_CountsAsThatLbsAnswer_AndTheDrainWaitEnds()
    {
        var acks = new DrainAcknowledgements();
        var board = new NodeStatusBoard();
        board.BeginDrain();
        var handler = Handler(acks, board);
        var wait = acks.WaitForAllAsync(["lb-1", "lb-2"], CancellationToken.None);

        var first = await handler.HandleAsync(Envelope(Removed("lb-1", board.Drain)), Raw, CancellationToken.None);
        Assert.False(wait.IsCompleted);
        await handler.HandleAsync(Envelope(Removed("lb-2", board.Drain)), Raw, CancellationToken.None);

        Assert.Equal(MessageDisposition.Completed, first.Disposition);
        await wait.WaitAsync(TimeSpan.FromSeconds(5));
    }

    /// <summary>Issue 12 #14: an answer that arrives while the node is not draining used to be kept, and cut the node's
    /// next drain short (the web server stopped before the lb had drained it).</summary>
    [Fact]
    public async Task Removed_WhileNotDraining_IsIgnoredAndLogged_AndDoesNotCutTheNextDrainShort()
    {
        var acks = new DrainAcknowledgements();
        var board = new NodeStatusBoard();
        var log = new ListLogger<MembershipAckHandler>();
        var handler = Handler(acks, board, log);

        var early = await handler.HandleAsync(Envelope(Removed("lb-1", DrainInfo.Start(DateTimeOffset.UtcNow))), Raw, CancellationToken.None);
        var bare = await handler.HandleAsync(Envelope(Removed("lb-1", null)), Raw, CancellationToken.None);
        board.BeginDrain();
        var wait = acks.WaitForAllAsync(["lb-1"], CancellationToken.None);

        Assert.Equal(MessageDisposition.Completed, early.Disposition);
        Assert.Equal(MessageDisposition.Completed, bare.Disposition);
        Assert.Empty(acks.Acknowledged);
        Assert.False(wait.IsCompleted, "an answer from before the drain ended the drain's wait");
        Assert.Equal(2, log.Entries.Count(e => e.Message.Contains("this node is not draining")));
    }

    [Fact]
    public async Task Removed_ForAnotherDrain_IsIgnoredAndLogged_OnlyTheDrainInProgressCounts()
    {
        var acks = new DrainAcknowledgements();
        var board = new NodeStatusBoard();
        var log = new ListLogger<MembershipAckHandler>();
        var handler = Handler(acks, board, log);
        board.BeginDrain();
        var drain = board.Drain!;
        var wait = acks.WaitForAllAsync(["lb-1"], CancellationToken.None);

        await handler.HandleAsync(Envelope(Removed("lb-1", DrainInfo.Start(drain.StartedAt.AddMinutes(-5)))), Raw, CancellationToken.None);
        await handler.HandleAsync(Envelope(Removed("lb-1", drain with { StartedAt = drain.StartedAt.AddSeconds(-1) })), Raw, CancellationToken.None);
        await handler.HandleAsync(Envelope(Removed("lb-1", null)), Raw, CancellationToken.None);
        Assert.False(wait.IsCompleted);
        Assert.Equal(3, log.Entries.Count(e => e.Message.Contains("ignored a 'removed' answer from lb node lb-1")));

        await handler.HandleAsync(Envelope(Removed("lb-1", drain)), Raw, CancellationToken.None);
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

        var board = new NodeStatusBoard();
        board.BeginDrain();
        var outcome = await Handler(acks, board).HandleAsync(Envelope(body), Raw, CancellationToken.None);

        Assert.Equal(MessageDisposition.Rejected, outcome.Disposition);
        Assert.Contains(reason, outcome.Reason);
        Assert.Empty(acks.Acknowledged);
    }
}
