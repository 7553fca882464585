using System.Diagnostics;
using NodeAgent.Notifications;
using NodeAgent.Roles.Web.Rollout;
using NodeAgent.Testing;
using NodeAgent.Testing.Fleet;
using Xunit.Abstractions;

namespace NodeAgent.Tests.EndToEnd;

/// <summary>One rollout fleet for the class: 4 web nodes (rolling one at a time, min 3 healthy), 2 lb nodes, a webhook receiver.</summary>
public sealed class RolloutFleetFixture : IAsyncLifetime
{
    // Short bake and healthy time so a four-batch rollout takes well under a minute; the gates need 10 requests.
    public const string Rollout = "{strategy: rolling, batch_size: 1, min_healthy: 3, bake: 4s, min_healthy_time: 2s, batch_timeout: 90s, drain_timeout: 20s, health_timeout: 20s, gates: {error_rate: 5%, response_time: off, min_requests: 10}}";

    private readonly List<string> _log = [];

    public RolloutFleet Rollouts { get; private set; } = null!;

    public Action<string>? Sink { get; set; }

    public void Log(string line)
    {
        lock (_log)
        {
            _log.Add(line);
        }

        Sink?.Invoke(line);
    }

    public async Task InitializeAsync() => Rollouts = await RolloutFleet.StartAsync("ro", Log, webNodes: 4, Rollout);

    public async Task DisposeAsync()
    {
        if (Rollouts is not null)
        {
            await Rollouts.DisposeAsync();
        }
    }
}

/// <summary>
/// Rollouts for real: HAProxy, nginx, fauxqs, 4 web nodes under steady client load. A good revision rolls one node at
/// a time with no failed request and never more than one server out of READY; a bad one (passes the validate hook,
/// answers 500 to a third of real requests) halts after its first batch, which switches back, and the receiver hears
/// deploy.halted and deploy.rolled_back once each; a killed publisher and a killed active lb do not stall a rollout.
/// </summary>
[Collection("rollout-fleet")]
public sealed class RolloutEndToEndTests : IClassFixture<RolloutFleetFixture>
{
    private static readonly TimeSpan RolloutTimeout = TimeSpan.FromMinutes(3);
    private readonly RolloutFleetFixture _fixture;
    private readonly ITestOutputHelper _output;

    public RolloutEndToEndTests(RolloutFleetFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
        fixture.Sink = line =>
        {
            try
            {
                output.WriteLine(line);
            }
            catch (InvalidOperationException)
            {
                // The test that owned the output is over.
            }
        };
    }

    private RolloutFleet R => _fixture.Rollouts;

    private Fleet F => _fixture.Rollouts.Fleet;

    private void Log(string line) => _output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");

    [Fact]
    public async Task GoodRevision_RollsOneNodeAtATime_WithoutAFailedRequest_AndNeverMoreThanOneServerOutOfReady()
    {
        await using var traffic = TrafficProbe.Start(F, TimeSpan.FromMinutes(4));
        await traffic.WaitForAsync(TimeSpan.Zero, TimeSpan.FromSeconds(60));
        var lb = await F.ActiveLbAsync(CancellationToken.None);
        using var sampling = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var sampler = RolloutFleet.SampleServersAsync(lb, F.Webs.Count, sampling.Token);
        var before = traffic.Now;

        var commit = R.Commit("good-" + Guid.NewGuid().ToString("N")[..6], bad: false);
        var (code, stdout, stderr) = await AgentProcess.RunAsync(R.DeployArgs(commit, RolloutTimeout), RolloutTimeout + TimeSpan.FromMinutes(1));
        Log(stdout);
        await sampling.CancelAsync();
        var (maxOut, samples, worst) = await sampler;
        var after = traffic.Now;

        Assert.True(code == 0, $"deploy --wait exited {code}:\n{stdout}\n{stderr}");
        Assert.Contains("rollout succeeded", stdout, StringComparison.Ordinal);
        Assert.Contains("batch 4 [web-4]: passed", stdout, StringComparison.Ordinal);
        Assert.Contains("batch 4 gate error_rate:", stdout, StringComparison.Ordinal);
        var sequence = Fleet.DeployState(F.Webs[0]).AppliedSequence;
        foreach (var web in F.Webs)
        {
            Assert.Equal(sequence, Fleet.DeployState(web).AppliedSequence);
        }

        var failed = traffic.Samples.Where(s => s.At >= before && s.At <= after && !s.Ok).ToList();
        var during = traffic.Samples.Count(s => s.At >= before && s.At <= after);
        Log($"{during} requests during the rollout, {failed.Count} failed; {samples} samples of show servers state, at most {maxOut} out of READY ({worst})");
        Assert.True(during > 100, $"only {during} requests during the rollout");
        Assert.True(failed.Count == 0, "requests failed during a good rollout:\n" + traffic.Describe(failed));
        Assert.True(samples > 50, $"only {samples} samples of show servers state");
        Assert.True(maxOut <= 1, $"{maxOut} servers out of READY at once: {worst}");
        Assert.True(await R.Receiver.WaitForAsync(r => r.OfType(NotificationEventTypes.DeploySucceeded).Any(e => e.Body.Contains($"\"sequence\":{sequence}", StringComparison.Ordinal)), TimeSpan.FromSeconds(30)),
            "no deploy.succeeded for sequence " + sequence);

        // Every AWS call the agents and the deploy command made (rollout records, nudges) is allowed for its role.
        var policies = NodeAgent.Tests.Install.Aws.NodeAgentTemplate.Load().Check(F.RecordedCalls(), F.Cluster, F.Bucket, LocalStack.Region, "000000000000");
        Assert.True(policies.Denied.Count == 0, "calls install/aws/nodeagent.yaml does not allow:\n" + string.Join('\n', policies.Denied));
    }

    [Fact]
    public async Task BadRevision_HaltsAfterTheFirstBatch_SwitchesItBack_LeavesTheOthersUntouched_AndNotifiesOnce()
    {
        await using var traffic = TrafficProbe.Start(F, TimeSpan.FromMinutes(4));
        await traffic.WaitForAsync(TimeSpan.Zero, TimeSpan.FromSeconds(60));
        var before = F.Webs.ToDictionary(w => w.NodeId, w => (Fleet.DeployState(w).AppliedSequence, Release: F.ServedVersions()[w.NodeId]));

        var commit = R.Commit("bad-" + Guid.NewGuid().ToString("N")[..6], bad: true);
        var (code, stdout, stderr) = await AgentProcess.RunAsync(R.DeployArgs(commit, RolloutTimeout), RolloutTimeout + TimeSpan.FromMinutes(1));
        Log(stdout);

        Assert.True(code == 7, $"deploy --wait exited {code}, not 7:\n{stdout}\n{stderr}");
        Assert.Contains("gate error_rate", stdout, StringComparison.Ordinal);
        Assert.Contains("ROLLED_BACK", stdout, StringComparison.Ordinal);
        var progress = (await R.ProgressAsync(CancellationToken.None))!;
        Assert.Equal(RolloutStates.RolledBack, progress.State);
        Assert.Equal(1, progress.Halt!.Batch);
        Assert.Equal("error_rate", progress.Halt.Gate);
        Assert.Equal(1, progress.Released);

        // The first batch is back on its previous release within 30 s of the gate failing; the others never moved.
        var moved = progress.Batches[0].Nodes.Single();
        var back = progress.FinishedAt!.Value - progress.Halt.At;
        Log($"halted at {progress.Halt.At:HH:mm:ss.fff}, rolled back at {progress.FinishedAt:HH:mm:ss.fff} ({back.TotalMilliseconds:0} ms)");
        Assert.True(back <= TimeSpan.FromSeconds(30), $"rollback took {back}");
        foreach (var web in F.Webs)
        {
            Assert.Equal(before[web.NodeId].Release, F.ServedVersions()[web.NodeId]);
            if (web.NodeId != moved)
            {
                Assert.Equal(before[web.NodeId].AppliedSequence, Fleet.DeployState(web).AppliedSequence);
            }
        }

        Assert.True(await R.Receiver.WaitForAsync(r => r.OfType(NotificationEventTypes.DeployRolledBack).Any(e => e.Body.Contains($"\"sequence\":{progress.Sequence}", StringComparison.Ordinal)), TimeSpan.FromSeconds(30)));
        await Task.Delay(TimeSpan.FromSeconds(3)); // late duplicates would arrive now
        foreach (var type in new[] { NotificationEventTypes.DeployHalted, NotificationEventTypes.DeployRolledBack })
        {
            var deliveries = R.Receiver.Attempts.Where(a => a.Type == type && a.Status == 200 && a.Body.Contains($"\"sequence\":{progress.Sequence}", StringComparison.Ordinal)).ToList();
            Assert.True(deliveries.Count == 1, $"{type} delivered {deliveries.Count} times");
            Assert.Null(deliveries[0].SignatureProblem);
        }

        Assert.DoesNotContain(R.Receiver.Attempts, a => a.SignatureProblem is not null);
    }

    [Fact]
    public async Task KilledPublisher_AndKilledActiveLb_MidRollout_TheStandbyFinishesIt()
    {
        var commit = R.Commit("fault-" + Guid.NewGuid().ToString("N")[..6], bad: false);
        var known = (await R.ProgressAsync(CancellationToken.None))?.Sequence ?? 0;
        var publisher = AgentProcess.Start(R.DeployArgs(commit, RolloutTimeout));
        var sequence = 0L;
        try
        {
            var first = await WaitForNewRolloutAsync(known, TimeSpan.FromSeconds(60));
            sequence = first.Sequence;
            publisher.Kill();
            Log($"publisher killed at batch {first.Released} of sequence {sequence}");
        }
        finally
        {
            await publisher.DisposeAsync();
        }

        var second = await R.WaitForProgressAsync(sequence, p => p.Released >= 2, TimeSpan.FromSeconds(90));
        var active = await F.ActiveLbAsync(CancellationToken.None);
        await active.KillAgentAsync();
        Log($"active lb {active.NodeId} killed at batch {second.Released} (advanced under epoch {second.Epoch})");
        try
        {
            var done = await R.WaitForProgressAsync(sequence, p => p.IsTerminal, TimeSpan.FromMinutes(3));
            Assert.Equal(RolloutStates.Succeeded, done.State);
            Assert.NotEqual(active.NodeId, done.Advancer);
            Assert.True(done.Epoch > second.Epoch, $"the standby advanced under epoch {done.Epoch}, not above {second.Epoch}");
            foreach (var web in F.Webs)
            {
                Assert.Equal(sequence, Fleet.DeployState(web).AppliedSequence);
            }

            // The takeover itself was announced, and the rollout's events were announced once each despite two advancers.
            Assert.True(await R.Receiver.WaitForAsync(r => r.OfType(NotificationEventTypes.LbFailover).Any(e => e.Body.Contains($"\"to\":\"{done.Advancer}\"", StringComparison.Ordinal)), TimeSpan.FromSeconds(30)),
                "no lb.failover naming " + done.Advancer);
            Assert.True(await R.Receiver.WaitForAsync(r => r.OfType(NotificationEventTypes.DeploySucceeded).Any(e => e.Body.Contains($"\"sequence\":{sequence}", StringComparison.Ordinal)), TimeSpan.FromSeconds(30)));
            var released = R.Receiver.Attempts.Where(a => a.Type == NotificationEventTypes.DeployBatchReleased && a.Status == 200 && a.Body.Contains($"\"sequence\":{sequence}", StringComparison.Ordinal)).ToList();
            Assert.Equal(4, released.Select(a => a.EventId).Distinct().Count());
        }
        finally
        {
            await F.StartAgentAsync(active);
        }
    }

    [Fact]
    public async Task PauseResumeAbort_FromTheCli_MidRollout_StopReleases_ThenSwitchTheMovedNodeBack()
    {
        var before = F.ServedVersions();
        var commit = R.Commit("ctl-" + Guid.NewGuid().ToString("N")[..6], bad: false);
        var known = (await R.ProgressAsync(CancellationToken.None))?.Sequence ?? 0;
        // A long bake for this publish only: the controls land while batch 1 bakes.
        await using var publisher = AgentProcess.Start(R.DeployArgs(commit, RolloutTimeout, "--bake", "60s"));
        var first = await WaitForNewRolloutAsync(known, TimeSpan.FromSeconds(60));
        string[] Control(string action) => ["deploy", action, "--app", Fleet.App, "--user-data", F.Webs[0].UserData];

        var (code, stdout, stderr) = await AgentProcess.RunAsync(Control("pause"), TimeSpan.FromMinutes(1));
        Assert.True(code == 0, $"pause exited {code}: {stdout}{stderr}");
        var paused = await R.WaitForProgressAsync(first.Sequence, p => p.State == RolloutStates.Paused, TimeSpan.FromSeconds(30));
        Assert.Equal(1, paused.Released);

        (code, stdout, stderr) = await AgentProcess.RunAsync(Control("resume"), TimeSpan.FromMinutes(1));
        Assert.True(code == 0, $"resume exited {code}: {stdout}{stderr}");
        await R.WaitForProgressAsync(first.Sequence, p => p.State == RolloutStates.Running, TimeSpan.FromSeconds(30));

        (code, stdout, stderr) = await AgentProcess.RunAsync(Control("abort"), TimeSpan.FromMinutes(1));
        Assert.True(code == 0, $"abort exited {code}: {stdout}{stderr}");
        var done = await R.WaitForProgressAsync(first.Sequence, p => p.IsTerminal, TimeSpan.FromSeconds(60));
        Assert.Equal(RolloutStates.RolledBack, done.State);
        Assert.Equal("abort", done.Halt!.Gate);
        Assert.Equal(1, done.Released);
        Assert.True(await publisher.WaitForExitAsync(TimeSpan.FromSeconds(30)), "deploy --wait did not end with the rollout");
        Assert.Equal(7, publisher.ExitCode);
        Assert.Contains("gate abort", publisher.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(before, F.ServedVersions());

        (code, _, stderr) = await AgentProcess.RunAsync(Control("resume"), TimeSpan.FromMinutes(1));
        Assert.True(code == 7, $"resume of a finished rollout exited {code}");
        Assert.Contains("already over", stderr, StringComparison.Ordinal);
    }

    private async Task<RolloutProgress> WaitForNewRolloutAsync(long known, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (await R.ProgressAsync(CancellationToken.None) is { } p && p.Sequence > known && p.Released >= 1)
            {
                return p;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("no new rollout started");
    }
}
