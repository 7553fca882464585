using Amazon.SQS;
using Amazon.SQS.Model;
using NodeAgent.Aws;
using NodeAgent.Testing;
using NodeAgent.Testing.Fleet;
using Xunit.Abstractions;

namespace NodeAgent.Tests.EndToEnd;

/// <summary>
/// The fleet in a box under faults: the demo's cluster (2 lb, 3 web, 1 db, S3/SQS, BIND) with traffic flowing
/// through <c>lb.&lt;zone&gt;</c> the whole time, while agents and services are killed -9, S3/SQS disappears for 60 s,
/// BIND restarts and a deploy lands during an lb failover. Passes only if no request fails outside the documented
/// windows and no deploy message, WAL segment or release is lost.
/// </summary>
public sealed class FleetEndToEndTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Fleet_SurvivesKills_AnS3Outage_ADnsRestart_AndADeployDuringFailover_WithoutLosingRequestsMessagesWalOrReleases()
    {
        await using var fleet = await Fleet.StartAsync("e2e", Log);
        await using var traffic = TrafficProbe.Start(fleet, TimeSpan.FromMinutes(20));
        var scenario = new FleetScenario(fleet, traffic, Log);
        await traffic.WaitForAsync(TimeSpan.Zero, TimeSpan.FromSeconds(30), body: "shop v1");
        await scenario.InsertRowsAsync(100, "at start");
        await scenario.DeployAsync("deploy under traffic");

        await KillEachAgentAsync(fleet, scenario, traffic);
        await KillEachServiceAsync(fleet, scenario, traffic);
        await S3AndSqsOutageAsync(fleet, scenario, traffic);
        await DnsRestartAsync(fleet, scenario, traffic);
        await scenario.KillActiveLbAsync("deploy during lb failover", () => scenario.DeployAsync("deploy (during failover)"));

        // Nothing lost: every web node applied the last sequence and serves it; no deploy message dead-lettered;
        // every committed row comes back from the backup plus the archived WAL.
        var desired = Fleet.DeployState(fleet.Webs[0]).AppliedSequence;
        foreach (var web in fleet.Webs)
        {
            var state = Fleet.DeployState(web);
            Assert.Equal(desired, state.AppliedSequence);
            Assert.Equal(0, state.FailedSequence);
            Assert.Equal($"shop {scenario.CurrentVersion}", fleet.ServedVersions()[web.NodeId]);
        }

        Assert.Empty(await DeadLetteredAsync(fleet));
        await fleet.Postgres.WaitArchivedAsync(await fleet.Postgres.SwitchWalAsync(), TimeSpan.FromMinutes(2));
        var (rows, _) = await scenario.RestoreAndCountAsync(targetTime: null);
        Assert.Equal(scenario.CommittedRows, rows);
        scenario.Record("restore of everything", TimeSpan.Zero, $"{rows} rows = every committed row");

        // Every AWS call the agents and the deploy command made is allowed by the template's policy for its role.
        var policies = NodeAgent.Tests.Install.Aws.NodeAgentTemplate.Load().Check(fleet.RecordedCalls(), fleet.Cluster, fleet.Bucket, LocalStack.Region, "000000000000");
        Assert.True(policies.Denied.Count == 0, "calls install/aws/nodeagent.yaml does not allow:\n" + string.Join('\n', policies.Denied));

        var unexpected = traffic.UnexpectedFailures();
        Log($"traffic: {traffic.Requests} requests, {traffic.Failed} failed, {unexpected.Count} outside the documented windows");
        Assert.True(traffic.Requests > 500, $"the probe sent only {traffic.Requests} requests");
        Assert.True(unexpected.Count == 0, $"requests failed outside the documented windows:\n{traffic.Describe(unexpected)}");
    }

    /// <summary>kill -9 of the agent alone on a web node, the active lb node and the db node: the services they run
    /// keep serving (no failure window is granted), and the restarted agent takes over where the old one stopped.</summary>
    private async Task KillEachAgentAsync(Fleet fleet, FleetScenario scenario, TrafficProbe traffic)
    {
        var activeLb = await fleet.ActiveLbAsync(CancellationToken.None);
        foreach (var node in new[] { fleet.Webs[0], activeLb, fleet.Db })
        {
            var at = traffic.Now;
            await node.KillAgentAsync();
            if (node == fleet.Db)
            {
                // Archiving goes on without the agent (wal-push is its own process).
                await scenario.InsertRowsAsync(20, "db agent down");
                await fleet.Postgres.WaitArchivedAsync(await fleet.Postgres.SwitchWalAsync(), TimeSpan.FromMinutes(2));
            }
            else
            {
                await Task.Delay(TimeSpan.FromSeconds(3));
            }

            await fleet.StartAgentAsync(node);
            scenario.Record($"kill -9 {node.NodeId} agent", traffic.Now - at, $"service kept serving; agent back and ready; {traffic.FailuresBetween(at, traffic.Now).Failed} failed requests");
        }
    }

    /// <summary>kill -9 of each role's service: nginx (the agent restarts it; HAProxy redispatches), the active lb's
    /// HAProxy (its agent restarts it, or the standby takes the name), PostgreSQL (restarted as systemd would; crash
    /// recovery keeps every committed row).</summary>
    private async Task KillEachServiceAsync(Fleet fleet, FleetScenario scenario, TrafficProbe traffic)
    {
        var web = fleet.Webs[1];
        var nginx = web.ServicePid("nginx.pid") ?? throw new InvalidOperationException("web-2 runs no nginx");
        var at = traffic.Now;
        FleetScenario.KillTree(nginx);
        traffic.AllowFailures("nginx killed", at, traffic.Now - at + FleetScenario.WebKillWindow);
        await WaitUntilAsync(() => web.ServicePid("nginx.pid") is { } pid && pid != nginx, TimeSpan.FromSeconds(60), "the web-2 agent to restart nginx");
        await traffic.WaitForAsync(traffic.Now, TimeSpan.FromSeconds(30));
        scenario.Record("kill -9 nginx on web-2", traffic.Now - at, $"the agent restarted it; {traffic.FailuresBetween(at, traffic.Now).Failed} failed requests");

        var lb = await fleet.ActiveLbAsync(CancellationToken.None);
        var haproxy = lb.ServicePid("haproxy.pid") ?? throw new InvalidOperationException($"{lb.NodeId} runs no HAProxy");
        at = traffic.Now;
        FleetScenario.KillTree(haproxy);
        traffic.AllowFailures("HAProxy killed", at, traffic.Now - at + FleetScenario.LbFailoverWindow);
        await Task.Delay(FleetScenario.LbFailoverWindow);
        var served = await traffic.WaitForAsync(traffic.Now, TimeSpan.FromSeconds(30));
        var holder = await fleet.ActiveLbAsync(CancellationToken.None);
        var (failed, span) = traffic.FailuresBetween(at, traffic.Now);
        scenario.Record($"kill -9 HAProxy on {lb.NodeId}", served - at, $"{fleet.LbName} -> {holder.NodeId}; {failed} failed requests over {span.TotalSeconds:F1} s");

        var committed = scenario.CommittedRows;
        at = traffic.Now;
        var postmaster = int.Parse(File.ReadLines(Path.Combine(fleet.Postgres.DataDir, "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);
        FleetScenario.KillTree(postmaster);
        await fleet.Postgres.StartServerAsync();
        Assert.Equal(committed, await fleet.Postgres.ScalarAsync<long>("SELECT count(*) FROM orders"));
        await scenario.InsertRowsAsync(20, "after postgres crash");
        scenario.Record("kill -9 PostgreSQL", traffic.Now - at, $"restarted, crash recovery kept all {committed} committed rows");
    }

    /// <summary>The S3/SQS endpoint is unreachable for 60 s: traffic is unaffected (no window), PostgreSQL keeps
    /// retrying archive_command and nothing is acknowledged unstored; afterwards archiving catches up and a deploy
    /// reaches every node.</summary>
    private async Task S3AndSqsOutageAsync(Fleet fleet, FleetScenario scenario, TrafficProbe traffic)
    {
        var failedBefore = await fleet.Postgres.ScalarAsync<long>("SELECT failed_count FROM pg_stat_archiver");
        var at = traffic.Now;
        fleet.AwsRelay.Down();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string lastSegment = string.Empty;
        while (clock.Elapsed < Outage)
        {
            await scenario.InsertRowsAsync(10, "during the outage");
            lastSegment = await fleet.Postgres.SwitchWalAsync();
            await Task.Delay(TimeSpan.FromSeconds(10));
        }

        var failedDuring = await fleet.Postgres.ScalarAsync<long>("SELECT failed_count FROM pg_stat_archiver");
        fleet.AwsRelay.Up();
        Assert.True(failedDuring > failedBefore, "archive_command never failed while S3 was unreachable: was the outage real?");
        await fleet.Postgres.WaitArchivedAsync(lastSegment, TimeSpan.FromMinutes(3));
        scenario.Record("S3/SQS outage 60 s", clock.Elapsed, $"{failedDuring - failedBefore} archive attempts refused and retried; archiving caught up; {traffic.FailuresBetween(at, traffic.Now).Failed} failed requests");
        await scenario.DeployAsync("deploy after the outage");
    }

    /// <summary>BIND stops and starts again: records survive (journal), failover does not flap, clients keep going.</summary>
    private async Task DnsRestartAsync(Fleet fleet, FleetScenario scenario, TrafficProbe traffic)
    {
        var holder = await fleet.ActiveLbAsync(CancellationToken.None);
        var at = traffic.Now;
        await fleet.Bind.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        await fleet.Bind.RestartAsync();
        using var dns = fleet.NewDnsClient();
        foreach (var node in fleet.Nodes)
        {
            var records = await dns.ReadAsync($"{node.NodeId}.{fleet.Bind.Zone}", CancellationToken.None);
            Assert.True(records.Addresses.Contains(node.Address), $"{node.NodeId}'s record after the restart: {records}");
        }

        // One holder afterwards, and the pair agrees on it. (The same one, unless BIND was away longer than the lease:
        // then the holder stops acting as active and whichever node renews first holds the name — docs/dns.md.)
        var after = await WaitForOneActiveAsync(fleet, TimeSpan.FromSeconds(30));
        scenario.Record("BIND restart", traffic.Now - at, $"all node records kept; {fleet.LbName} -> {after.NodeId} (was {holder.NodeId}); {traffic.FailuresBetween(at, traffic.Now).Failed} failed requests");
    }

    /// <summary>Until the name points at an lb node whose failover check says active while the other says standby.</summary>
    private static async Task<FleetNode> WaitForOneActiveAsync(Fleet fleet, TimeSpan timeout)
    {
        using var http = Fleet.NewHttpClient(TimeSpan.FromSeconds(5));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var seen = string.Empty;
        while (clock.Elapsed < timeout)
        {
            try
            {
                var holder = await fleet.ActiveLbAsync(CancellationToken.None);
                var other = fleet.Lbs.Single(l => l != holder);
                var holderSays = await http.GetStringAsync(holder.Healthz);
                var otherSays = await http.GetStringAsync(other.Healthz);
                seen = $"{holder.NodeId}: {holderSays}\n{other.NodeId}: {otherSays}";
                if (holderSays.Contains("active: holds", StringComparison.Ordinal) && otherSays.Contains("standby:", StringComparison.Ordinal))
                {
                    return holder;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException or NodeAgent.Dns.DnsProviderException)
            {
                seen = ex.Message;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"the lb pair did not settle on one active within {timeout}:\n{seen}");
    }

    private static async Task<IReadOnlyList<string>> DeadLetteredAsync(Fleet fleet)
    {
        using var sqs = AwsClientFactory.CreateSqs(fleet.Stack.Aws(fleet.Bucket));
        var queues = await sqs.ListQueuesAsync(new ListQueuesRequest { QueueNamePrefix = $"nodeagent-{fleet.Cluster}" });
        var found = new List<string>();
        foreach (var url in queues.QueueUrls ?? [])
        {
            var attributes = await sqs.GetQueueAttributesAsync(url, ["ApproximateNumberOfMessages"]);
            if (url.Contains("dlq", StringComparison.OrdinalIgnoreCase) && attributes.ApproximateNumberOfMessages > 0)
            {
                found.Add($"{url}: {attributes.ApproximateNumberOfMessages} message(s)");
            }
        }

        Assert.NotEmpty(queues.QueueUrls ?? []);
        return found;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"timed out after {timeout} waiting for {what}");
            }

            await Task.Delay(100);
        }
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
