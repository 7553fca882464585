using NodeAgent.Notifications;
using NodeAgent.Registry;
using NodeAgent.Roles.Lb.Haproxy;
using NodeAgent.Roles.Lb.Rollout;
using NodeAgent.Roles.Web.Deploy;
using NodeAgent.Roles.Web.Rollout;

namespace NodeAgent.Tests.Roles.Lb.Rollout;

/// <summary>The rollout state machine, step by step, with the lb's observations written out by hand.</summary>
public sealed class RolloutStepperTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] Nodes = ["web-1", "web-2", "web-3", "web-4"];

    private static RolloutPlan Plan(bool autoRevert = true, int minHealthy = 3) => new()
    {
        Strategy = "rolling",
        Batches = Nodes.Select(n => (IReadOnlyList<string>)[n]).ToList(),
        MinHealthy = minHealthy,
        BakeMs = 10_000,
        MinHealthyTimeMs = 5_000,
        BatchTimeoutMs = 60_000,
        DrainTimeoutMs = 10_000,
        HealthTimeoutMs = 10_000,
        AutoRevert = autoRevert,
        Gates = new RolloutGates { ErrorRate = 0.01, ResponseTime = 2, MinRequests = 20 },
        Previous = new PreviousRelease { Sequence = 6, Revision = "v1" },
    };

    /// <summary>A fleet where every node is live, healthy, in rotation, and the given ones report a status.</summary>
    private sealed class World
    {
        public RolloutPlan Plan { get; init; } = RolloutStepperTests.Plan();

        public DateTimeOffset Now { get; set; } = T0;

        public long Epoch { get; set; } = 3;

        public RolloutProgress? Progress { get; set; }

        public RolloutControl? Control { get; set; }

        public Dictionary<string, string?> Status { get; } = Nodes.ToDictionary(n => n, _ => (string?)null);

        public HashSet<string> OutOfRotation { get; } = [];

        public GateMeasurement? Measurement { get; set; }

        public RolloutStepResult Step()
        {
            var result = RolloutStepper.Run(new RolloutStepInput
            {
                Cluster = "demo",
                App = "shop",
                Sequence = 7,
                PlanDigest = "sha256:abc",
                Revision = "v2",
                Plan = Plan,
                Progress = Progress,
                Control = Control,
                Epoch = Epoch,
                Advancer = "lb-1",
                Now = Now,
                Nodes = Nodes.ToDictionary(n => n, n => new NodeObservation
                {
                    NodeId = n,
                    Live = true,
                    Health = NodeHealth.Healthy,
                    InRotation = !OutOfRotation.Contains(n),
                    Server = OutOfRotation.Contains(n) ? null : "UP",
                    Status = Status[n],
                }),
                InRotation = Nodes.Where(n => !OutOfRotation.Contains(n)).ToHashSet(),
                Measurement = Measurement,
            });
            Progress = result.Progress;
            return result;
        }
    }

    private static GateMeasurement Measured(long responses, long errors, double batchMs = 5, double restMs = 5)
        => new(responses, errors, batchMs, restMs, responses * 3, 0, new Dictionary<string, ServerStats>());

    [Fact]
    public void Step_WithoutProgress_StartsAndReleasesTheFirstBatchOnly()
    {
        var world = new World();

        var result = world.Step();

        Assert.True(result.Changed);
        Assert.Equal(RolloutStates.Running, result.Progress.State);
        Assert.Equal(1, result.Progress.Released);
        Assert.Equal(RolloutStates.BatchReleased, result.Progress.Batches[0].State);
        Assert.All(result.Progress.Batches.Skip(1), b => Assert.Equal(RolloutStates.BatchPending, b.State));
        Assert.Equal(["web-1"], result.Nudge);
        Assert.Equal([NotificationEventTypes.DeployStarted, NotificationEventTypes.DeployBatchReleased], result.Announcements.Select(a => a.Type));
    }

    [Fact]
    public void Step_ReleasedBatch_WaitsUntilItsNodeSucceededAndIsBackInRotation_ThenBakes()
    {
        var world = new World();
        world.Step();
        world.Status["web-1"] = DeployStates.Deploying;
        world.OutOfRotation.Add("web-1");

        var waiting = world.Step();
        Assert.False(waiting.Changed);
        Assert.Contains("waiting for web-1", waiting.Progress.Detail, StringComparison.Ordinal);
        Assert.Empty(waiting.Announcements);

        world.Status["web-1"] = DeployStates.Succeeded;
        var stillOut = world.Step();
        Assert.Equal(RolloutStates.BatchReleased, stillOut.Progress.Batches[0].State);

        world.OutOfRotation.Clear();
        var baking = world.Step();
        Assert.Equal(RolloutStates.BatchBaking, baking.Progress.Batches[0].State);
        Assert.Equal(0, baking.TakeBaseline);
        Assert.Equal(1, baking.Progress.Released);
    }

    [Fact]
    public void Step_GoodBatches_PassAfterTheBake_OneAtATime_ThenSucceed()
    {
        var world = new World();
        var announced = new List<string>();
        for (var batch = 0; batch < Nodes.Length; batch++)
        {
            announced.AddRange(world.Step().Announcements.Select(a => a.Type));
            Assert.Equal(batch + 1, world.Progress!.Released);
            world.Status[Nodes[batch]] = DeployStates.Succeeded;
            world.Step(); // baking
            world.Measurement = Measured(100, 0);
            world.Now += TimeSpan.FromSeconds(5);
            var early = world.Step();
            Assert.Equal(RolloutStates.BatchBaking, early.Progress.Batches[batch].State);
            Assert.Equal(batch + 1, early.Progress.Released);
            world.Now += TimeSpan.FromSeconds(6);
            announced.AddRange(world.Step().Announcements.Select(a => a.Type));
            world.Measurement = null;
            Assert.Equal(RolloutStates.BatchPassed, world.Progress!.Batches[batch].State);
        }

        Assert.Equal(RolloutStates.Succeeded, world.Progress!.State);
        Assert.Equal(1, announced.Count(a => a == NotificationEventTypes.DeploySucceeded));
        Assert.Equal(4, announced.Count(a => a == NotificationEventTypes.DeployBatchReleased));
        Assert.False(world.Step().Changed);
    }

    [Fact]
    public void Step_ErrorRateOverTheGate_HaltsAndRollsBackOnlyTheMovedBatch_AnnouncingEachOnce()
    {
        var world = new World();
        world.Step();
        world.Status["web-1"] = DeployStates.Succeeded;
        world.Step();
        world.Measurement = Measured(100, 30);
        world.Now += TimeSpan.FromSeconds(2);

        var halted = world.Step();

        Assert.Equal(RolloutStates.RollingBack, halted.Progress.State);
        Assert.True(halted.Progress.Revert);
        Assert.Equal("error_rate", halted.Progress.Halt!.Gate);
        Assert.Equal(1, halted.Progress.Halt.Batch);
        Assert.Contains("30%", halted.Progress.Halt.Reason, StringComparison.Ordinal);
        Assert.Equal(1, halted.Progress.Released);
        Assert.Equal(["web-1"], halted.Nudge);
        Assert.Equal([NotificationEventTypes.DeployHalted], halted.Announcements.Select(a => a.Type));
        var gate = Assert.Single(halted.Progress.Batches[0].Gates, g => g.Name == "error_rate");
        Assert.False(gate.Ok);
        Assert.Equal("< 1%", gate.Threshold);

        var again = world.Step();
        Assert.Empty(again.Announcements);
        Assert.Equal(RolloutStates.RollingBack, again.Progress.State);

        world.Status["web-1"] = DeployStates.RolledBack;
        var back = world.Step();
        Assert.Equal(RolloutStates.RolledBack, back.Progress.State);
        Assert.Equal([NotificationEventTypes.DeployRolledBack], back.Announcements.Select(a => a.Type));
        Assert.Empty(world.Step().Announcements);
    }

    [Fact]
    public void Step_TooFewRequests_DoesNotJudgeTheRate()
    {
        var world = new World();
        world.Step();
        world.Status["web-1"] = DeployStates.Succeeded;
        world.Step();
        world.Measurement = Measured(10, 5);
        world.Now += TimeSpan.FromSeconds(2);

        var result = world.Step();

        Assert.Equal(RolloutStates.Running, result.Progress.State);
        Assert.True(Assert.Single(result.Progress.Batches[0].Gates, g => g.Name == "error_rate").Pending);
    }

    [Fact]
    public void Step_SlowBatch_FailsTheResponseTimeGate()
    {
        var world = new World();
        world.Step();
        world.Status["web-1"] = DeployStates.Succeeded;
        world.Step();
        world.Measurement = Measured(100, 0, batchMs: 400, restMs: 100);
        world.Now += TimeSpan.FromSeconds(2);

        var result = world.Step();

        Assert.Equal("response_time", result.Progress.Halt!.Gate);
    }

    [Fact]
    public void Step_WithoutAutoRevert_HaltsAndLeavesNodesWhereTheyAre()
    {
        var world = new World { Plan = Plan(autoRevert: false) };
        world.Step();
        world.Status["web-1"] = DeployStates.Failed;

        var result = world.Step();

        Assert.Equal(RolloutStates.Halted, result.Progress.State);
        Assert.False(result.Progress.Revert);
        Assert.Equal("deploy", result.Progress.Halt!.Gate);
        Assert.True(result.Progress.IsTerminal);
    }

    [Fact]
    public void Step_FewerThanMinHealthyInRotation_WaitsThenHaltsPastTheBatchTimeout()
    {
        var world = new World();
        world.OutOfRotation.Add("web-3");

        var blocked = world.Step();
        Assert.Equal(0, blocked.Progress.Released);
        Assert.Contains("min_healthy 3", blocked.Progress.Detail, StringComparison.Ordinal);

        world.Now += TimeSpan.FromSeconds(61);
        var halted = world.Step();
        Assert.Equal("min_healthy", halted.Progress.Halt!.Gate);
        Assert.Equal(RolloutStates.RolledBack, halted.Progress.State);
    }

    [Fact]
    public void Step_PauseStopsReleases_ResumeGoesOn_AbortRollsBackEvenWithoutAutoRevert()
    {
        var world = new World { Plan = Plan(autoRevert: false) };
        world.Step();
        world.Status["web-1"] = DeployStates.Succeeded;
        world.Step();
        world.Control = new RolloutControl { Cluster = "demo", App = "shop", Sequence = 7, Action = RolloutControl.Pause, At = T0.AddSeconds(1) };
        world.Measurement = Measured(100, 0);
        world.Now += TimeSpan.FromSeconds(11);

        var paused = world.Step();
        Assert.Equal(RolloutStates.Paused, paused.Progress.State);
        Assert.Equal(RolloutStates.BatchPassed, paused.Progress.Batches[0].State);
        Assert.Equal(1, paused.Progress.Released);
        Assert.Equal(1, world.Step().Progress.Released);

        world.Control = world.Control with { Action = RolloutControl.Resume, At = T0.AddSeconds(20) };
        var resumed = world.Step();
        Assert.Equal(RolloutStates.Running, resumed.Progress.State);
        Assert.Equal(2, resumed.Progress.Released);

        world.Status["web-2"] = DeployStates.Succeeded;
        world.Control = world.Control with { Action = RolloutControl.Abort, At = T0.AddSeconds(30) };
        var aborted = world.Step();
        Assert.Equal(RolloutStates.RollingBack, aborted.Progress.State);
        Assert.True(aborted.Progress.Revert);
        Assert.Equal("abort", aborted.Progress.Halt!.Gate);
        Assert.Equal(["web-1", "web-2"], aborted.Nudge.Order());
    }

    [Fact]
    public void Step_ANewEpoch_RestartsTheBakeWithItsOwnCounters()
    {
        var world = new World();
        world.Step();
        world.Status["web-1"] = DeployStates.Succeeded;
        world.Step();
        world.Now += TimeSpan.FromSeconds(8);
        world.Epoch = 4;

        var result = world.Step();

        Assert.Equal(0, result.TakeBaseline);
        Assert.Equal(4, result.Progress.Epoch);
        Assert.Equal(world.Now, result.Progress.Batches[0].InRotationAt);
        Assert.Equal(RolloutStates.BatchBaking, result.Progress.Batches[0].State);
    }

    [Fact]
    public void Step_RollbackThatDoesNotFinish_EndsFailedNamingTheStuckNode()
    {
        var world = new World();
        world.Step();
        world.Status["web-1"] = DeployStates.Succeeded;
        world.Step();
        world.Measurement = Measured(100, 50);
        world.Step();
        world.Now += TimeSpan.FromSeconds(61);

        var result = world.Step();

        Assert.Equal(RolloutStates.Failed, result.Progress.State);
        Assert.Contains("web-1", result.Progress.Detail, StringComparison.Ordinal);
        Assert.Equal([NotificationEventTypes.DeployFailed], result.Announcements.Select(a => a.Type));
    }
}
