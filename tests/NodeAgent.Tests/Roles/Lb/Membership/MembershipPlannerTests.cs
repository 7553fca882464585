using System.Net;
using NodeAgent.Registry;
using NodeAgent.Roles.Lb.Haproxy;
using NodeAgent.Roles.Lb.Membership;

namespace NodeAgent.Tests.Roles.Lb.Membership;

public sealed class MembershipPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly HashSet<ServerKey> None = [];

    private static DesiredServer Want(string node, string address, int port = 80, string app = "shop")
        => new(app, node, IPAddress.Parse(address), port, new NodeRecord
        {
            Cluster = "c",
            Role = "web",
            NodeId = node,
            InstanceId = "i",
            Address = address,
            StartedAt = Now,
            HeartbeatAt = Now,
        });

    private static ServerState Running(string node, string address, int id, int port = 80, int op = 2, int admin = 0, string app = "shop")
        => new($"be_{app}", node, id, address, port, op, admin);

    [Fact]
    public void Plan_AddsNewNodes_WithTheSmallestFreeIds_AndRemovesNodesNoLongerWanted()
    {
        var plan = MembershipPlanner.Plan(
            [Want("web-1", "10.0.0.1"), Want("web-3", "10.0.0.3"), Want("web-4", "10.0.0.4")],
            [Running("web-1", "10.0.0.1", 1), Running("web-2", "10.0.0.2", 2)],
            HaproxyMembership.Empty, None, None, new FlapDamper(TimeSpan.Zero), Now);

        Assert.Equal([("web-3", 3), ("web-4", 4)], plan.Joins.Select(j => (j.Name, j.Id)));
        Assert.Equal("web-2", Assert.Single(plan.Leaves).Name);
        Assert.Empty(plan.Moves);
    }

    [Fact]
    public void Plan_ReusesTheIdAServerHadInTheConfig_SoTheStateFileStillMatches()
    {
        var known = new HaproxyMembership([new HaproxyServer("shop", "web-5", IPAddress.Parse("10.0.0.5"), 80, 9)]);

        var plan = MembershipPlanner.Plan([Want("web-5", "10.0.0.5")], [], known, None, None, new FlapDamper(TimeSpan.Zero), Now);

        Assert.Equal(9, Assert.Single(plan.Joins).Id);
    }

    [Fact]
    public void Plan_MovesAServerWhoseAddressChanged()
    {
        var plan = MembershipPlanner.Plan([Want("web-1", "10.0.0.9", 8080)], [Running("web-1", "10.0.0.1", 1)],
            HaproxyMembership.Empty, None, None, new FlapDamper(TimeSpan.Zero), Now);

        var move = Assert.Single(plan.Moves);
        Assert.Equal(("10.0.0.9", 8080, 1), (move.Address.ToString(), move.Port, move.Id));
        Assert.Empty(plan.Joins);
        Assert.Empty(plan.Leaves);
    }

    [Fact]
    public void Plan_LeavesServersThatAreAlreadyLeavingAlone()
    {
        var plan = MembershipPlanner.Plan([Want("web-1", "10.0.0.1")], [Running("web-1", "10.0.0.1", 1, admin: 8), Running("web-2", "10.0.0.2", 2)],
            HaproxyMembership.Empty, new HashSet<ServerKey> { new("shop", "web-1"), new("shop", "web-2") }, None, new FlapDamper(TimeSpan.Zero), Now);

        Assert.True(plan.IsEmpty);
    }

    [Fact]
    public void Plan_DoesNotAddAServerInItsHoldDown_AndDrainsOneThatCameBackUpDuringIt()
    {
        var damper = new FlapDamper(TimeSpan.FromSeconds(30));
        damper.RecordDown(new ServerKey("shop", "web-1"), Now - TimeSpan.FromSeconds(10));
        damper.RecordDown(new ServerKey("shop", "web-2"), Now - TimeSpan.FromSeconds(10));

        var plan = MembershipPlanner.Plan([Want("web-1", "10.0.0.1"), Want("web-2", "10.0.0.2")], [Running("web-2", "10.0.0.2", 2)],
            HaproxyMembership.Empty, None, None, damper, Now);

        Assert.Empty(plan.Joins);
        Assert.Equal("web-2", Assert.Single(plan.Holds).Name);
    }

    [Fact]
    public void Plan_LeavesADownServerInItsHoldDownToTheChecks()
    {
        var damper = new FlapDamper(TimeSpan.FromSeconds(30));
        damper.RecordDown(new ServerKey("shop", "web-2"), Now - TimeSpan.FromSeconds(10));

        var plan = MembershipPlanner.Plan([Want("web-2", "10.0.0.2")], [Running("web-2", "10.0.0.2", 2, op: 0)],
            HaproxyMembership.Empty, None, None, damper, Now);

        Assert.True(plan.IsEmpty);
    }

    [Fact]
    public void Plan_ReleasesAHeldServer_OnceItsHoldDownIsOver()
    {
        var damper = new FlapDamper(TimeSpan.FromSeconds(30));
        damper.RecordDown(new ServerKey("shop", "web-2"), Now - TimeSpan.FromSeconds(31));

        var plan = MembershipPlanner.Plan([Want("web-2", "10.0.0.2")], [Running("web-2", "10.0.0.2", 2, admin: 8)],
            HaproxyMembership.Empty, None, new HashSet<ServerKey> { new("shop", "web-2") }, damper, Now);

        Assert.Equal("web-2", Assert.Single(plan.Releases).Name);
        Assert.Empty(plan.Holds);
    }

    [Fact]
    public void Plan_PutsAWantedServerFoundInMaintenanceBackIntoRotation()
    {
        var plan = MembershipPlanner.Plan([Want("web-1", "10.0.0.1")], [Running("web-1", "10.0.0.1", 1, admin: 1)],
            HaproxyMembership.Empty, None, None, new FlapDamper(TimeSpan.Zero), Now);

        Assert.Equal("web-1", Assert.Single(plan.Releases).Name);
    }

    [Fact]
    public void Plan_KeepsEachAppsServersApart()
    {
        var plan = MembershipPlanner.Plan([Want("web-1", "10.0.0.1", app: "blog")], [Running("web-1", "10.0.0.1", 1)],
            HaproxyMembership.Empty, None, None, new FlapDamper(TimeSpan.Zero), Now);

        Assert.Equal(("blog", 1), (Assert.Single(plan.Joins).App, plan.Joins[0].Id));
        Assert.Equal("shop", Assert.Single(plan.Leaves).App);
    }

    [Fact]
    public void FlapDamper_WithZeroHoldDown_NeverHolds()
    {
        var damper = new FlapDamper(TimeSpan.Zero);
        damper.RecordDown(new ServerKey("shop", "web-1"), Now);

        Assert.False(damper.IsHeld(new ServerKey("shop", "web-1"), Now));
    }
}
