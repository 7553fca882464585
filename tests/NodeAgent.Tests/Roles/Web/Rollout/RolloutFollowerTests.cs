using NodeAgent.Roles.Web.Rollout;

namespace NodeAgent.Tests.Roles.Web.Rollout;

/// <summary>A web node deploys only once its batch is released, and only nodes that moved switch back.</summary>
public sealed class RolloutFollowerTests
{
    private static readonly RolloutPlan Plan = new()
    {
        Strategy = "rolling",
        Batches = [["web-1"], ["web-2"]],
        BatchTimeoutMs = 60_000,
        Gates = new RolloutGates(),
        Previous = new PreviousRelease { Sequence = 4 },
    };

    private static RolloutProgress Progress(string state, int released, bool revert = false) => new()
    {
        Cluster = "demo",
        App = "shop",
        Sequence = 5,
        Plan = "sha256:x",
        Epoch = 1,
        Advancer = "lb-1",
        State = state,
        Released = released,
        Revert = revert,
        StartedAt = DateTimeOffset.UnixEpoch,
        UpdatedAt = DateTimeOffset.UnixEpoch,
    };

    [Theory]
    [InlineData("web-2", RolloutStates.Running, 1, RolloutAction.Wait)]
    [InlineData("web-1", RolloutStates.Running, 1, RolloutAction.Deploy)]
    [InlineData("web-2", RolloutStates.Running, 2, RolloutAction.Deploy)]
    [InlineData("web-9", RolloutStates.Running, 2, RolloutAction.Wait)]
    [InlineData("web-9", RolloutStates.Succeeded, 2, RolloutAction.Deploy)]
    [InlineData("web-2", RolloutStates.RolledBack, 1, RolloutAction.Done)]
    [InlineData("web-2", RolloutStates.Halted, 1, RolloutAction.Done)]
    public void Decide_NodeThatHasNotMoved(string node, string state, int released, RolloutAction expected)
    {
        var decision = RolloutFollower.Decide(Plan, Progress(state, released), node, 5, applied: 4, reverted: 0, hasRelease: true);

        Assert.Equal(expected, decision.Action);
    }

    [Fact]
    public void Decide_WithoutProgress_Waits()
        => Assert.Equal(RolloutAction.Wait, RolloutFollower.Decide(Plan, null, "web-1", 5, 4, 0, hasRelease: true).Action);

    [Fact]
    public void Decide_MovedNode_SwitchesBackOnce()
    {
        var halted = Progress(RolloutStates.RollingBack, 1, revert: true);

        Assert.Equal(RolloutAction.Revert, RolloutFollower.Decide(Plan, halted, "web-1", 5, applied: 5, reverted: 0, hasRelease: true).Action);
        Assert.Equal(RolloutAction.Wait, RolloutFollower.Decide(Plan, halted, "web-1", 5, applied: 5, reverted: 5, hasRelease: true).Action);
        Assert.Equal(RolloutAction.Done, RolloutFollower.Decide(Plan, Progress(RolloutStates.RolledBack, 1, revert: true), "web-1", 5, 5, 5, true).Action);
    }

    [Fact]
    public void Decide_NewNodeWithoutARelease_StartsOnThePreviousSequence()
        => Assert.Equal(RolloutAction.DeployPrevious, RolloutFollower.Decide(Plan, Progress(RolloutStates.Running, 1), "web-2", 5, 0, 0, hasRelease: false).Action);
}
