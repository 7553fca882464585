using NodeAgent.Roles.Web.Rollout;

namespace NodeAgent.Tests.Roles.Web.Rollout;

public sealed class BatchPlannerTests
{
    private static readonly PreviousRelease Previous = new() { Sequence = 3, Revision = "v1" };

    private static string[] NodeIds(int n) => Enumerable.Range(1, n).Select(i => $"web-{i}").Reverse().ToArray();

    [Fact]
    public void Build_AllAtOnce_HasNoPlan()
    {
        var (plan, error) = BatchPlanner.Build(new RolloutSettings(), NodeIds(4), Previous);

        Assert.Null(plan);
        Assert.Null(error);
    }

    [Fact]
    public void Build_RollingOneAtATime_MinThreeOfFour_IsFourBatchesInNodeOrder()
    {
        var settings = new RolloutSettings { Strategy = RolloutStrategy.Rolling, BatchSize = RolloutAmount.Count(1), MinHealthy = RolloutAmount.Count(3) };

        var (plan, error) = BatchPlanner.Build(settings, NodeIds(4), Previous);

        Assert.Null(error);
        Assert.Equal([["web-1"], ["web-2"], ["web-3"], ["web-4"]], plan!.Batches.Select(b => b.ToArray()).ToArray());
        Assert.Equal(3, plan.MinHealthy);
        Assert.Equal(Previous, plan.Previous);
        Assert.Null(plan.Check());
    }

    [Fact]
    public void Build_QuarterBatchesOfEight_AreFourBatchesOfTwo()
    {
        var (plan, _) = BatchPlanner.Build(new RolloutSettings { Strategy = RolloutStrategy.Rolling, BatchSize = new RolloutAmount(25, true) }, NodeIds(8), Previous);

        Assert.Equal(4, plan!.Batches.Count);
        Assert.All(plan.Batches, b => Assert.Equal(2, b.Count));
        Assert.Equal(6, plan.MinHealthy);
    }

    [Fact]
    public void Build_BatchLargerThanMinHealthyAllows_IsCutDown()
    {
        var (plan, _) = BatchPlanner.Build(new RolloutSettings { Strategy = RolloutStrategy.Rolling, BatchSize = RolloutAmount.Count(3), MinHealthy = RolloutAmount.Count(3) }, NodeIds(4), Previous);

        Assert.All(plan!.Batches, b => Assert.Single(b));
    }

    [Fact]
    public void Build_Canary_IsOneCanaryThenTheRest()
    {
        var (plan, _) = BatchPlanner.Build(new RolloutSettings { Strategy = RolloutStrategy.Canary, Canary = RolloutAmount.Count(1), BatchSize = new RolloutAmount(50, true), MinHealthy = RolloutAmount.Count(1) }, NodeIds(5), Previous);

        Assert.Equal("canary", plan!.Strategy);
        Assert.Equal(["web-1"], plan.Batches[0]);
        Assert.Equal(5, plan.Batches.Sum(b => b.Count));
    }

    [Fact]
    public void Build_MinHealthyOfEveryNode_IsRefusedWithAReason()
    {
        var (plan, error) = BatchPlanner.Build(new RolloutSettings { Strategy = RolloutStrategy.Rolling, MinHealthy = RolloutAmount.Count(4) }, NodeIds(4), Previous);

        Assert.Null(plan);
        Assert.Contains("keeps all 4 node(s) in rotation", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_HostilePlan_IsRefused()
    {
        var (plan, _) = BatchPlanner.Build(new RolloutSettings { Strategy = RolloutStrategy.Rolling }, NodeIds(2), Previous);

        Assert.Contains("twice", plan! with { Batches = [["web-1"], ["web-1"]] } is var p ? p.Check() : null, StringComparison.Ordinal);
        Assert.Contains("not a node id", (plan with { Batches = [["../x"]] }).Check(), StringComparison.Ordinal);
        Assert.Contains("strategy", (plan with { Strategy = "yolo" }).Check(), StringComparison.Ordinal);
        Assert.Contains("error_rate", (plan with { Gates = new RolloutGates { ErrorRate = 2 } }).Check(), StringComparison.Ordinal);
    }
}
