using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json;
using NodeAgent.Dns;
using NodeAgent.Dns.Failover;
using NodeAgent.Registry;
using NodeAgent.Testing;
using Xunit.Abstractions;

namespace NodeAgent.Tests.Dns;

/// <summary>The real nodeagent binary registering in and failing over through a real BIND 9.</summary>
public sealed class DnsAgentTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task LbPair_ClaimsAtBoot_TakesOverAfterKill9OfTheActive_AndTheOldActiveRejoinsAsStandby()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("lbpair");
        await using var bind = await BindServer.StartAsync();
        using var dir = new TempDir();
        using var orphans = new OrphanCleanup(dir.Path);
        var (lb1Address, lb2Address) = (LoopbackPorts.NextAddress(), LoopbackPorts.NextAddress());
        var (lb1Http, lb2Http) = (LoopbackPorts.Free(lb1Address), LoopbackPorts.Free(lb2Address));
        var lb1File = DnsUserData.Lb(stack, bucket, dir, "pair", "lb1", lb1Address, lb1Http, bind);
        var lb2File = DnsUserData.Lb(stack, bucket, dir, "pair", "lb2", lb2Address, lb2Http, bind);
        using var truth = Rfc2136ProviderTests.Provider(bind);
        var shared = $"lb.{bind.Zone}";

        // First claim: lb1 boots alone and takes the free name.
        await using var lb1 = AgentProcess.Start(["run", "--user-data", lb1File]);
        await lb1.WaitReadyAsync(Healthz(lb1Address), Patience);
        var claimed = await truth.ReadAsync(shared, CancellationToken.None);
        Assert.Equal([lb1Address], claimed.Addresses);
        Assert.Equal(("lb1", 1L), (LeaseRecord.Find(claimed.Texts)!.Owner, LeaseRecord.Find(claimed.Texts)!.Epoch));
        Assert.Equal([lb1Address], (await truth.ReadAsync($"lb1.{bind.Zone}", CancellationToken.None)).Addresses);
        await WaitForDetailAsync(lb1Address, $"active: holds {shared} (epoch 1");

        // lb2 boots as standby.
        await using var lb2 = AgentProcess.Start(["run", "--user-data", lb2File]);
        await lb2.WaitReadyAsync(Healthz(lb2Address), Patience);
        await WaitForDetailAsync(lb2Address, $"standby: {shared} held by lb1 (epoch 1");
        Assert.Equal([lb2Address], (await truth.ReadAsync($"lb2.{bind.Zone}", CancellationToken.None)).Addresses);
        var status = await AgentProcess.RunAsync(["dns", "status", "--user-data", lb2File], Patience);
        Assert.True(status.ExitCode == 0, status.Stdout + status.Stderr);
        Assert.Contains($"lb        {shared} -> {lb1Address}", status.Stdout);
        Assert.Matches(@"holder    lb1, epoch 1, since \S+Z, lease expires \S+Z \(in \d+ s\)", status.Stdout);
        Assert.Contains($"this node lb2: standby: {shared} held by lb1 (epoch 1", status.Stdout);
        Assert.Matches($@"lb\s+lb1\s+lb1\.{bind.Zone}\s+{lb1Address}\s+{lb1Address}\s+ok", status.Stdout);
        Assert.Matches($@"lb\s+lb2\s+lb2\.{bind.Zone}\s+{lb2Address}\s+{lb2Address}\s+ok", status.Stdout);

        // kill -9 of the active: lb2 takes the name over, A and lease together, epoch 2.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var clock = Stopwatch.StartNew();
        await lb1.KillHardAsync();
        var taken = await WaitForAsync(truth, shared, r => r.Addresses.SequenceEqual([lb2Address]));
        output.WriteLine($"{shared} answered {lb2Address} {clock.ElapsedMilliseconds} ms after kill -9 of lb1");
        var lease = LeaseRecord.Find(taken.Texts)!;
        Assert.Equal(("lb2", 2L), (lease.Owner, lease.Epoch));
        await WaitForLogAsync(lb2, 5021);
        await WaitForDetailAsync(lb2Address, $"active: holds {shared} (epoch 2");

        // The old active comes back: it finds the name held by lb2 and stays standby.
        await using var lb1Again = AgentProcess.Start(["run", "--user-data", lb1File]);
        await lb1Again.WaitReadyAsync(Healthz(lb1Address), Patience);
        await Task.Delay(TimeSpan.FromSeconds(3));
        await WaitForDetailAsync(lb1Address, $"standby: {shared} held by lb2 (epoch 2");
        Assert.Equal([lb2Address], (await truth.ReadAsync(shared, CancellationToken.None)).Addresses);
        Assert.Equal(2, LeaseRecord.Find((await truth.ReadAsync(shared, CancellationToken.None)).Texts)!.Epoch);
        using var http = new HttpClient();
        Assert.Contains("nodeagent_lb_failover_active 0", await http.GetStringAsync($"http://{lb1Address}:9780/metrics"));
        Assert.Contains("nodeagent_lb_failover_active 1", await http.GetStringAsync($"http://{lb2Address}:9780/metrics"));
    }

    [Fact]
    public async Task WebNode_RegistersItsRecordAtBoot_NamesItInTheRegistry_AndRemovesItOnSigterm()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("dnsweb");
        await using var bind = await BindServer.StartAsync();
        using var dir = new TempDir();
        var address = LoopbackPorts.NextAddress();
        var file = UserDataFiles.Web(stack, bucket, dir, "dnsweb", "web-1", address, bind.DnsYaml("  ttl: 42"));
        using var truth = Rfc2136ProviderTests.Provider(bind);
        var name = $"web-1.{bind.Zone}";

        await using var agent = AgentProcess.Start(["run", "--user-data", file]);
        await agent.WaitReadyAsync(Healthz(address), Patience);

        var registered = await truth.ReadAsync(name, CancellationToken.None);
        Assert.Equal([address], registered.Addresses);
        Assert.Equal(42, registered.Ttl);
        await using var services = stack.Services(bucket);
        var entry = await stack.Store(services).GetAsync(RegistryKeys.Node("dnsweb", "web", "web-1"), CancellationToken.None);
        Assert.Equal(name, JsonSerializer.Deserialize<NodeRecord>(entry!.Content, NodeRecordJson.Options)!.DnsName);

        agent.Signal(PosixSignal.SIGTERM);
        Assert.True(await agent.WaitForExitAsync(TimeSpan.FromSeconds(10)), "the agent did not stop");
        Assert.Equal(0, agent.ExitCode);
        Assert.True((await truth.ReadAsync(name, CancellationToken.None)).IsEmpty, $"{name} is still registered after a graceful stop");
        Assert.Contains("\"EventId\":5005", agent.StandardOutput);
    }

    [Fact]
    public async Task Agent_WhenTheDnsServerIsDown_RetriesReportsWhyItIsNotReady_AndRegistersOnceTheServerIsBack()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("dnsdown");
        await using var bind = await BindServer.StartAsync();
        await bind.StopAsync();
        using var dir = new TempDir();
        var address = LoopbackPorts.NextAddress();
        var file = UserDataFiles.Web(stack, bucket, dir, "dnsdown", "web-1", address, bind.DnsYaml("  check_interval: 2s"));
        var name = $"web-1.{bind.Zone}";

        var clock = Stopwatch.StartNew();
        await using var agent = AgentProcess.Start(["run", "--user-data", file]);
        var reasons = await WaitForNotReadyAsync(agent, address, r => r.Any(x => x.StartsWith("dns: ", StringComparison.Ordinal)) && !r.Any(x => x.StartsWith("startup: ", StringComparison.Ordinal)));
        var reason = reasons.Single(r => r.StartsWith("dns: ", StringComparison.Ordinal));
        Assert.StartsWith($"dns: cannot register {name}: ", reason);
        Assert.Contains($"no answer from the DNS server 127.0.0.1:{bind.Port}", reason);
        await WaitForLogAsync(agent, 5007);
        output.WriteLine($"not ready after {clock.ElapsedMilliseconds} ms");
        var status = await AgentProcess.RunAsync(["dns", "status", "--user-data", file], Patience);
        output.WriteLine($"dns status done after {clock.ElapsedMilliseconds} ms");
        Assert.Equal(1, status.ExitCode);
        Assert.Contains($"dns status: cannot read lb.{bind.Zone}: ", status.Stderr);
        Assert.Contains($"no answer from the DNS server 127.0.0.1:{bind.Port}", status.Stderr);

        await bind.RestartAsync();
        output.WriteLine($"bind back after {clock.ElapsedMilliseconds} ms");
        await agent.WaitReadyAsync(Healthz(address), Patience);
        output.WriteLine($"ready after {clock.ElapsedMilliseconds} ms");

        using var truth = Rfc2136ProviderTests.Provider(bind);
        Assert.Equal([address], (await truth.ReadAsync(name, CancellationToken.None)).Addresses);
        await WaitForLogAsync(agent, 5004);
        Assert.True(agent.StandardOutput.Split('\n').Count(l => l.Contains("\"EventId\":5002,")) >= 3, "expected several logged retries");
    }

    [Fact]
    public async Task Agent_WithAWrongTsigKey_RefusesToStartWithAClearError()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("dnskey");
        await using var bind = await BindServer.StartAsync();
        using var dir = new TempDir();
        var address = LoopbackPorts.NextAddress();
        var wrong = bind.DnsYaml().Replace(bind.Secret, Convert.ToBase64String(new byte[32]));
        var file = UserDataFiles.Web(stack, bucket, dir, "dnskey", "web-1", address, wrong);

        var (code, _, stderr) = await AgentProcess.RunAsync(["run", "--user-data", file], Patience);

        Assert.Equal(5, code);
        Assert.Contains("nodeagent run: startup task 'register in DNS' failed: ", stderr);
        Assert.Contains("rejected our TSIG signature (BADSIG)", stderr);
        Assert.Contains($"the secret of key '{BindServer.KeyName}' does not match the server's", stderr);
    }

    private static Uri Healthz(IPAddress address) => new($"http://{address}:9780/healthz");

    /// <summary>The agent logs through a background queue: give a line that describes something already seen time to arrive.</summary>
    private static async Task WaitForLogAsync(AgentProcess agent, int eventId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!agent.StandardOutput.Contains($"\"EventId\":{eventId},", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the agent never logged event {eventId}:\n{agent.StandardOutput}");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits until the node's failover check reads as expected (it is set a moment after the DNS write).</summary>
    private static async Task WaitForDetailAsync(IPAddress address, string prefix)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        var detail = await FailoverDetailAsync(address);
        while (!detail.StartsWith(prefix, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"failover check of {address} is '{detail}', expected '{prefix}…'");
            await Task.Delay(100);
            detail = await FailoverDetailAsync(address);
        }
    }

    private static async Task<string> FailoverDetailAsync(IPAddress address)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(Healthz(address));
        var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return health.GetProperty("checks").GetProperty(FailoverCoordinator.ReadinessCheck).GetProperty("detail").GetString()!;
    }

    private static async Task<DnsRecordSet> WaitForAsync(IDnsProvider dns, string name, Func<DnsRecordSet, bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        DnsRecordSet last = DnsRecordSet.Empty;
        while (DateTime.UtcNow < deadline)
        {
            last = await dns.ReadAsync(name, CancellationToken.None);
            if (condition(last))
            {
                return last;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"{name} never reached the expected records; last: {last}");
        return last;
    }

    private static async Task<IReadOnlyList<string>> WaitForNotReadyAsync(AgentProcess agent, IPAddress address, Func<IReadOnlyList<string>, bool> match)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(agent.HasExited, $"agent exited:\n{agent.StandardOutput}\n{agent.StandardError}");
            try
            {
                using var response = await http.GetAsync(Healthz(address));
                var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                var reasons = health.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!).ToList();
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable && match(reasons))
                {
                    return reasons;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or too busy to answer in time.
            }

            await Task.Delay(100);
        }

        Assert.Fail($"the agent never reported the expected reasons:\n{agent.StandardOutput}\n{agent.StandardError}");
        return [];
    }

    /// <summary>Stops the HAProxy the killed lb agent left behind (the lb role's HAProxy outlives a kill -9).</summary>
    private sealed class OrphanCleanup(string dir) : IDisposable
    {
        public void Dispose() => OrphanedHaproxy.KillUnder(dir);
    }
}
