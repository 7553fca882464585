using System.Diagnostics;
using System.Net;
using Amazon.S3.Model;
using NodeAgent.Instance;
using NodeAgent.Testing;
using NodeAgent.Testing.Fleet;
using NodeAgent.Tests.Install.Aws;
using Xunit.Abstractions;

namespace NodeAgent.Tests.EndToEnd;

/// <summary>
/// The fleet launched and terminated by Auto Scaling (stand-ins for instance metadata and the Auto Scaling API, real
/// everything else), with traffic flowing through <c>lb.&lt;zone&gt;</c> the whole time: every node completes its launch
/// hook; a web node is scaled in with slow downloads in flight (drained, deregistered, one CONTINUE after the drain,
/// heartbeats meanwhile); another gets a spot interruption; the active lb node is scaled in (the standby holds the name
/// within 2 s); the db node is scaled in (its last WAL archived first). Then every AWS call the agents made is held
/// against the template's IAM policies.
/// </summary>
public sealed class LifecycleEndToEndTests(ITestOutputHelper output)
{
    private static readonly TimeSpan HandoverTarget = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Fleet_LaunchedAndTerminatedByAutoScaling_DrainsHandsOverAndArchives_WithoutFailedRequests_WithinItsLeastPrivilegePolicies()
    {
        await using var fleet = await Fleet.StartAsync("lc", Log, webNodes: 4, lifecycle: true);
        var autoScaling = fleet.AutoScaling!;
        foreach (var node in fleet.Nodes)
        {
            var launched = await autoScaling.WaitForAsync(node.InstanceId, c => c.Hook == Fleet.LaunchHook && c.Action == "CompleteLifecycleAction", TimeSpan.FromMinutes(1));
            Assert.Equal("CONTINUE", launched.Result);
        }

        await using var traffic = TrafficProbe.Start(fleet, TimeSpan.FromMinutes(10));
        var scenario = new FleetScenario(fleet, traffic, Log);
        await traffic.WaitForAsync(TimeSpan.Zero, TimeSpan.FromSeconds(30), body: "shop v1");
        await scenario.InsertRowsAsync(20, "at start");
        await scenario.DeployAsync("deploy under traffic");

        await WebScaleInUnderLoadAsync(fleet, traffic);
        await SpotInterruptionAsync(fleet, traffic);
        await LbScaleInAsync(fleet, traffic);
        await DbScaleInAsync(fleet, scenario);

        Assert.Empty(autoScaling.Rejected);
        Log($"traffic: {traffic.Requests} requests, {traffic.Failed} failed");
        Assert.True(traffic.Failed == 0, $"requests failed:\n{traffic.Describe(traffic.Samples.Where(s => !s.Ok))}");

        var record = fleet.RecordedCalls();
        Log($"AWS call record: {record.Count} calls, {record.Select(c => (c.Principal, c.Service, c.Operation)).Distinct().Count()} distinct (principal, service, operation)");
        var template = NodeAgentTemplate.Load();
        var check = template.Check(record, fleet.Cluster, fleet.Bucket, LocalStack.Region, "000000000000");
        foreach (var line in check.Report())
        {
            Log(line);
        }

        Assert.True(check.Denied.Count == 0, "calls the policies do not allow:\n" + string.Join('\n', check.Denied));
        Assert.True(check.UnexplainedGrants.Count == 0, "granted but never used, and not listed in NodeAgent::GrantsNotExercised:\n" + string.Join('\n', check.UnexplainedGrants));
        Assert.True(check.StaleExplanations.Count == 0, "listed in NodeAgent::GrantsNotExercised but used after all (remove them from the list):\n" + string.Join('\n', check.StaleExplanations));
    }

    /// <summary>Slow downloads are in flight on the node when the group scales it in: they finish, the node leaves every
    /// lb node and deregisters, heartbeats keep the hook alive meanwhile, and exactly one CONTINUE follows.</summary>
    private async Task WebScaleInUnderLoadAsync(Fleet fleet, TrafficProbe traffic)
    {
        var autoScaling = fleet.AutoScaling!;
        var lb = await fleet.ActiveLbAsync(CancellationToken.None);
        using var http = Fleet.NewHttpClient(TimeSpan.FromSeconds(60));
        var downloads = Enumerable.Range(0, 6).Select(_ => SlowDownload.StartAsync(http, new Uri($"http://{lb.Address}:{Fleet.HttpPort}/{Fleet.SlowFile}"))).ToList();
        var started = await Task.WhenAll(downloads);
        var target = fleet.Webs.First(w => started.Any(d => d.Node == w.NodeId));
        var onTarget = started.Where(d => d.Node == target.NodeId).ToList();
        var atContinue = new List<string>();
        autoScaling.OnCall = async call =>
        {
            if (call.InstanceId == target.InstanceId && call.Action == "CompleteLifecycleAction" && call.Hook == Fleet.TerminationHook)
            {
                atContinue.Add($"registered {await RegisteredAsync(fleet, target)}");
                atContinue.Add($"downloads finished {onTarget.All(d => d.Done.IsCompleted)}");
            }
        };

        var at = traffic.Now;
        var clock = Stopwatch.StartNew();
        fleet.ScaleIn(target);
        var completed = await autoScaling.WaitForAsync(target.InstanceId, c => c.Hook == Fleet.TerminationHook && c.Action == "CompleteLifecycleAction", TimeSpan.FromMinutes(2));
        var drainMs = clock.ElapsedMilliseconds;
        var results = await Task.WhenAll(onTarget.Select(d => d.Done));
        Assert.True(await target.WaitExitedAsync(TimeSpan.FromSeconds(30)), $"{target.NodeId}'s agent did not exit after CONTINUE");

        var calls = autoScaling.AcceptedFor(target.InstanceId).Where(c => c.Hook == Fleet.TerminationHook).ToList();
        Assert.Equal("CONTINUE", completed.Result);
        Assert.Single(calls, c => c.Action == "CompleteLifecycleAction");
        Assert.Equal("CompleteLifecycleAction", calls[^1].Action);
        var heartbeats = calls.Count(c => c.Action == "RecordLifecycleActionHeartbeat");
        Assert.True(heartbeats >= 1, $"no heartbeat during a drain of {drainMs} ms (heartbeat timeout 3 s): {string.Join("; ", calls)}");
        Assert.Equal(["registered False", "downloads finished True"], atContinue);
        Assert.All(results, r => Assert.True(r.Ok && r.Bytes == Fleet.SlowFileBytes, $"a download on the draining node did not finish whole: {r}"));
        AssertNoFailures(traffic, at, "the web scale-in");
        Log($"web scale-in of {target.NodeId}: {onTarget.Count} slow download(s) in flight finished; drained, deregistered, {heartbeats} heartbeat(s), one CONTINUE {drainMs} ms after the flip; 0 failed requests");
    }

    /// <summary>A spot interruption notice on a web node: the same steps, within 90 s of the notice.</summary>
    private async Task SpotInterruptionAsync(Fleet fleet, TrafficProbe traffic)
    {
        var autoScaling = fleet.AutoScaling!;
        var node = fleet.Webs.First(w => w.Running);
        var registeredAtContinue = true;
        autoScaling.OnCall = async call =>
        {
            if (call.InstanceId == node.InstanceId && call.Action == "CompleteLifecycleAction")
            {
                registeredAtContinue = await RegisteredAsync(fleet, node);
            }
        };

        var at = traffic.Now;
        var noticed = DateTimeOffset.UtcNow;
        fleet.SpotInterrupt(node);
        var completed = await autoScaling.WaitForAsync(node.InstanceId, c => c.Hook == Fleet.TerminationHook && c.Action == "CompleteLifecycleAction", TimeSpan.FromSeconds(90));
        Assert.True(await node.WaitExitedAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal("CONTINUE", completed.Result);
        Assert.True(completed.At - noticed < TimeSpan.FromSeconds(90), $"CONTINUE {completed.At - noticed} after the notice");
        Assert.False(registeredAtContinue, $"{node.NodeId} was still registered at CONTINUE");
        AssertNoFailures(traffic, at, "the spot interruption");
        Log($"spot interruption of {node.NodeId}: drained, deregistered, CONTINUE {(completed.At - noticed).TotalSeconds:F1} s after the notice (limit 90 s); 0 failed requests");
    }

    /// <summary>The active lb node is scaled in: it hands the name to the standby at once (within 2 s of noticing),
    /// keeps serving one TTL, stops HAProxy softly and completes.</summary>
    private async Task LbScaleInAsync(Fleet fleet, TrafficProbe traffic)
    {
        var active = await fleet.ActiveLbAsync(CancellationToken.None);
        var standby = fleet.Lbs.Single(l => l != active);
        var at = traffic.Now;
        fleet.ScaleIn(active);
        var (detected, handedOver) = await LbHandover.MeasureAsync(fleet, active, standby, TimeSpan.FromMinutes(1));
        var completed = await fleet.AutoScaling!.WaitForAsync(active.InstanceId, c => c.Hook == Fleet.TerminationHook && c.Action == "CompleteLifecycleAction", TimeSpan.FromMinutes(2));
        Assert.True(await active.WaitExitedAsync(TimeSpan.FromSeconds(30)));
        await traffic.WaitForAsync(traffic.Now, TimeSpan.FromSeconds(30), lb: standby.Address);

        var handover = handedOver - detected;
        var failed = traffic.FailuresBetween(at, traffic.Now);
        Log($"lb scale-in of {active.NodeId}: {fleet.LbName} -> {standby.NodeId} {handover.TotalMilliseconds:F0} ms after the agent saw the notice (target {HandoverTarget.TotalMilliseconds:F0} ms; failure detection takes 2-4 s); CONTINUE; {failed.Failed} failed requests (client resolves before every request)");
        Assert.Equal("CONTINUE", completed.Result);
        Assert.True(handover <= HandoverTarget, $"the standby held {fleet.LbName} {handover.TotalMilliseconds:F0} ms after the notice was seen");
        AssertNoFailures(traffic, at, "the lb scale-in");
    }

    private static void AssertNoFailures(TrafficProbe traffic, TimeSpan from, string what)
    {
        var failed = traffic.Samples.Where(s => !s.Ok && s.At >= from).ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} request(s) failed during {what}:\n{traffic.Describe(failed)}");
    }

    /// <summary>The db node is scaled in: the WAL holding the last commits is archived before CONTINUE.</summary>
    private async Task DbScaleInAsync(Fleet fleet, FleetScenario scenario)
    {
        await scenario.InsertRowsAsync(10, "just before the db termination");
        var lastCommit = await fleet.Postgres.ScalarAsync<string>("SELECT pg_walfile_name(pg_current_wal_lsn())");
        string? archivedAtContinue = null;
        fleet.AutoScaling!.OnCall = async call =>
        {
            if (call.InstanceId == fleet.Db.InstanceId && call.Action == "CompleteLifecycleAction")
            {
                archivedAtContinue = await fleet.Postgres.ScalarAsync<string>("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver");
            }
        };

        fleet.ScaleIn(fleet.Db);
        var completed = await fleet.AutoScaling.WaitForAsync(fleet.Db.InstanceId, c => c.Hook == Fleet.TerminationHook && c.Action == "CompleteLifecycleAction", TimeSpan.FromMinutes(2));
        Assert.True(await fleet.Db.WaitExitedAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal("CONTINUE", completed.Result);
        Assert.NotNull(archivedAtContinue);
        Assert.True(string.CompareOrdinal(archivedAtContinue![..Math.Min(24, archivedAtContinue.Length)], lastCommit) >= 0,
            $"at CONTINUE the archive had {archivedAtContinue}; the last commits were in {lastCommit}");
        Log($"db scale-in: WAL {lastCommit} (the last commits) archived before CONTINUE (archiver at {archivedAtContinue})");
    }

    private static async Task<bool> RegisteredAsync(Fleet fleet, FleetNode node)
    {
        using var s3 = fleet.Stack.S3(fleet.Bucket);
        var listed = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = fleet.Bucket, Prefix = $"{fleet.Cluster}/nodes/{node.Role}/" });
        return (listed.S3Objects ?? []).Any(o => o.Key.EndsWith($"/{node.NodeId}.json", StringComparison.Ordinal));
    }

    private void Log(string line)
    {
        try
        {
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
        }
        catch (InvalidOperationException)
        {
            // The test has finished; a late line from a background task.
        }
    }
}
