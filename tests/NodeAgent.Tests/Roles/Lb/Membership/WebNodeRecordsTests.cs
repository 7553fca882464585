using NodeAgent.Registry;
using NodeAgent.Roles.Lb.Membership;

namespace NodeAgent.Tests.Roles.Lb.Membership;

public sealed class WebNodeRecordsTests
{
    private static RegistryEntry Entry(string node, string health, string? queue = "http://127.0.0.1:1/q")
        => new($"c1/nodes/web/{node}.json", new NodeRecord
        {
            Cluster = "c1",
            Role = "web",
            NodeId = node,
            InstanceId = "i-" + node,
            Address = "10.0.0.1",
            Health = health,
            QueueUrl = queue,
            StartedAt = DateTimeOffset.UtcNow,
            HeartbeatAt = DateTimeOffset.UtcNow,
        }, TimeSpan.Zero, false);

    private static RegistryListing Listing(params RegistryEntry[] entries) => new(entries, []);

    [Fact]
    public void Update_ReportsOnlyNodesThatWentFromHealthyToUnhealthy()
    {
        var nodes = new WebNodeRecords();
        Assert.Empty(nodes.Update(Listing(Entry("web-1", NodeHealth.Healthy), Entry("web-2", NodeHealth.Starting), Entry("web-3", NodeHealth.Unhealthy)), _ => false));

        var wentUnhealthy = nodes.Update(Listing(Entry("web-1", NodeHealth.Unhealthy), Entry("web-2", NodeHealth.Unhealthy), Entry("web-3", NodeHealth.Unhealthy)), _ => false);

        Assert.Equal(["web-1"], wentUnhealthy);
    }

    [Fact]
    public void AwaitingAnswer_IsEachDrainingNodeWithAQueue_UntilAnswered_AndAgainAfterANewDrain()
    {
        var nodes = new WebNodeRecords();
        nodes.Update(Listing(Entry("web-1", NodeHealth.Draining), Entry("web-2", NodeHealth.Draining, queue: null), Entry("web-3", NodeHealth.Healthy)), _ => false);
        Assert.Equal(["web-1"], nodes.AwaitingAnswer().Select(r => r.NodeId));

        nodes.Answered("web-1");
        nodes.Update(Listing(Entry("web-1", NodeHealth.Draining)), _ => false);
        Assert.Empty(nodes.AwaitingAnswer());

        nodes.Update(Listing(Entry("web-1", NodeHealth.Healthy)), _ => false);
        nodes.Update(Listing(Entry("web-1", NodeHealth.Draining)), _ => false);
        Assert.Equal(["web-1"], nodes.AwaitingAnswer().Select(r => r.NodeId));
    }

    [Fact]
    public void Update_KeepsANodeGoneFromTheRegistry_WhileAServerOfItIsStillLeaving()
    {
        var nodes = new WebNodeRecords();
        nodes.Update(Listing(Entry("web-1", NodeHealth.Draining), Entry("web-2", NodeHealth.Draining)), _ => false);

        nodes.Update(Listing(), id => id == "web-1");

        Assert.Equal(["web-1"], nodes.AwaitingAnswer().Select(r => r.NodeId));
    }

    /// <summary>Issue 12 #14, lb side: answers are per drain. A node that drains again (a new drain id, without a
    /// listing in between that saw it healthy) is answered again; the same drain is answered once.</summary>
    [Fact]
    public void AwaitingAnswer_IsPerDrain_ANewDrainOfTheSameNodeIsAnsweredAgain()
    {
        var nodes = new WebNodeRecords();
        var first = Entry("web-1", NodeHealth.Draining);
        first = first with { Record = first.Record with { Drain = new DrainInfo("0123456789abcdef", DateTimeOffset.UtcNow) } };
        nodes.Update(Listing(first), _ => false);
        Assert.Equal(["web-1"], nodes.AwaitingAnswer().Select(r => r.NodeId));
        nodes.Answered("web-1");
        nodes.Update(Listing(first), _ => false);
        Assert.Empty(nodes.AwaitingAnswer());

        var second = first with { Record = first.Record with { Drain = new DrainInfo("fedcba9876543210", DateTimeOffset.UtcNow.AddMinutes(1)) } };
        nodes.Update(Listing(second), _ => false);

        Assert.Equal("fedcba9876543210", Assert.Single(nodes.AwaitingAnswer()).Drain!.Id);
    }
}
