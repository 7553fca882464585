using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.AutoScaling;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Instance;
using NodeAgent.Status;

namespace NodeAgent.Tests.Instance;

/// <summary>The termination sequence with fakes: steps first (heartbeats meanwhile), then the stop, then one CONTINUE.</summary>
public sealed class TerminationSequenceTests
{
    private static readonly NodeIdentity Identity = new()
    {
        Cluster = "demo", Role = "web", NodeId = "web-1", InstanceId = "i-1", Address = IPAddress.Loopback, Source = "test",
    };

    private static AgentConfig Config(TimeSpan heartbeatTimeout, TimeSpan? terminationTimeout = null) => new()
    {
        Role = "web",
        Cluster = "demo",
        Aws = new AwsSection { Region = "us-east-1", Bucket = "b" },
        Lifecycle = new LifecycleSection
        {
            Enabled = true, Group = "asg", TerminationHook = "terminate", HeartbeatTimeout = heartbeatTimeout,
            TerminationTimeout = terminationTimeout ?? TimeSpan.FromMinutes(1),
        },
    };

    private static TerminationSequence Sequence(AgentConfig config, IEnumerable<ITerminationStep> steps, FakeActions actions, FakeLifetime lifetime)
        => new(steps, new LifecycleHooks(config.Lifecycle, null, NullLogger.Instance), actions, Identity, config, lifetime,
            new ReadinessState(TimeProvider.System), TimeProvider.System, NullLogger<TerminationSequence>.Instance);

    [Fact]
    public async Task ALongStep_GetsHeartbeats_ThenTheAgentStops_ThenExactlyOneContinue()
    {
        var actions = new FakeActions();
        var lifetime = new FakeLifetime(actions);
        var step = new FakeStep("drain", TimeSpan.FromMilliseconds(900), actions);
        var sequence = Sequence(Config(TimeSpan.FromMilliseconds(300)), [step], actions, lifetime);

        sequence.Begin(new TerminationNotice(TerminationCause.ScaleIn, null, "scale-in"));
        sequence.Begin(new TerminationNotice(TerminationCause.SpotInterruption, DateTimeOffset.UtcNow, "a second notice is ignored"));
        await sequence.Termination!.WaitAsync(TimeSpan.FromSeconds(30));
        await sequence.StoppedAsync(CancellationToken.None);
        await sequence.StoppedAsync(CancellationToken.None);

        var log = actions.Log.ToList();
        Assert.Equal(1, step.Runs);
        Assert.Equal("step drain done", log[log.IndexOf("stop requested") - 1]);
        Assert.Equal("CONTINUE", log[^1]);
        Assert.Single(log, l => l == "CONTINUE");
        var heartbeatsDuringStep = log.TakeWhile(l => l != "step drain done").Count(l => l == "heartbeat");
        Assert.True(heartbeatsDuringStep >= 2, $"expected heartbeats while the 900 ms step ran (every 100 ms): {string.Join(", ", log)}");
    }

    [Fact]
    public async Task AStepThatOverrunsItsBound_IsCancelled_AndTheNodeStillStopsAndCompletes()
    {
        var actions = new FakeActions();
        var lifetime = new FakeLifetime(actions);
        var step = new FakeStep("stuck", Timeout.InfiniteTimeSpan, actions);
        var sequence = Sequence(Config(TimeSpan.FromMinutes(1), terminationTimeout: TimeSpan.FromMilliseconds(300)), [step], actions, lifetime);

        sequence.Begin(new TerminationNotice(TerminationCause.ScaleIn, null, "scale-in"));
        await sequence.Termination!.WaitAsync(TimeSpan.FromSeconds(30));
        await sequence.StoppedAsync(CancellationToken.None);

        Assert.Equal(["stop requested", "CONTINUE"], actions.Log.ToList());
    }

    [Fact]
    public async Task DrainEarly_RunsTheStepsWithoutStopping_AndTheLaterTerminationDoesNotRunThemAgain()
    {
        var actions = new FakeActions();
        var lifetime = new FakeLifetime(actions);
        var step = new FakeStep("drain", TimeSpan.Zero, actions);
        var sequence = Sequence(Config(TimeSpan.FromMinutes(1)), [step], actions, lifetime);

        sequence.DrainEarly(new TerminationNotice(TerminationCause.Rebalance, null, "rebalance"));
        await WaitUntilAsync(() => step.Runs == 1);
        Assert.DoesNotContain("stop requested", actions.Log);
        sequence.Begin(new TerminationNotice(TerminationCause.ScaleIn, null, "scale-in"));
        await sequence.Termination!.WaitAsync(TimeSpan.FromSeconds(30));
        await sequence.StoppedAsync(CancellationToken.None);

        Assert.Equal(1, step.Runs);
        Assert.Equal(["step drain done", "stop requested", "CONTINUE"], actions.Log.ToList());
    }

    [Fact]
    public async Task AStopWithoutATermination_CompletesNothing()
    {
        var actions = new FakeActions();
        var sequence = Sequence(Config(TimeSpan.FromMinutes(1)), [], actions, new FakeLifetime(actions));

        await sequence.StoppedAsync(CancellationToken.None);

        Assert.Empty(actions.Log);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.True(condition());
    }

    private sealed class FakeActions : ILifecycleActions
    {
        public ConcurrentQueue<string> Log { get; } = new();

        public Task CompleteAsync(LifecycleHookTarget hook, string instanceId, LifecycleActionResult result, CancellationToken cancellationToken)
        {
            Log.Enqueue(result == LifecycleActionResult.Continue ? "CONTINUE" : "ABANDON");
            return Task.CompletedTask;
        }

        public Task RecordHeartbeatAsync(LifecycleHookTarget hook, string instanceId, CancellationToken cancellationToken)
        {
            Log.Enqueue("heartbeat");
            return Task.CompletedTask;
        }
    }

    private sealed class FakeStep(string name, TimeSpan duration, FakeActions actions) : ITerminationStep
    {
        private int _runs;

        public int Runs => _runs;

        public string Name => name;

        public async Task RunAsync(TerminationNotice notice, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _runs);
            await Task.Delay(duration, cancellationToken);
            actions.Log.Enqueue($"step {name} done");
        }
    }

    private sealed class FakeLifetime(FakeActions actions) : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => actions.Log.Enqueue("stop requested");
    }
}
