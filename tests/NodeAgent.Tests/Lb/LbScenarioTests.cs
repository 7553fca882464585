using System.Diagnostics;
using NodeAgent.Haproxy;
using NodeAgent.Tests.Haproxy;
using NodeAgent.Tests.TestSupport;

namespace NodeAgent.Tests.Lb;

/// <summary>
/// The lb role end to end with real agents: web nodes (agent + nginx each) joining, dying and leaving; one lb node
/// (agent + HAProxy 2.6) following them through the registry, membership nudges and the runtime API.
/// </summary>
public sealed class LbScenarioTests
{
    [Fact]
    public async Task JoiningWebNode_ReceivesTraffic_OnTheNudgeWithoutWaitingForAListing()
    {
        await using var fleet = await LbFleet.CreateAsync("join");
        var lb = await fleet.StartLbAsync("lb-1");
        var nginx = await fleet.StartNginxAsync("web-1", LoopbackPorts.NextAddress());
        await using var load = new LoadLoop(lb.Http!, "shop.test", workers: 2, maxDuration: TimeSpan.FromSeconds(60));

        await fleet.StartWebAsync("web-1", nginx);
        await BalancerTests.WaitForAsync(() => Task.FromResult(load.CountFrom("web-1") > 0), TimeSpan.FromSeconds(15));

        await load.StopAsync();
        Assert.True(load.CountFrom("web-1") > 0);
        var server = Assert.Single(await lb.Runtime.ShowServersStateAsync(CancellationToken.None), s => s.App == "shop");
        Assert.Equal(("web-1", nginx.Address.ToString(), nginx.Port), (server.Name, server.Address, server.Port));
        Assert.Contains("\"EventId\":4130", lb.Agent.StandardOutput);
    }

    [Fact]
    public async Task KilledWebNode_IsOutOfRotationWithinInterTimesFallPlusOneSecond()
    {
        await using var fleet = await LbFleet.CreateAsync("kill");
        var lb = await fleet.StartLbAsync("lb-1");
        var nginx1 = await fleet.StartNginxAsync("web-1", LoopbackPorts.NextAddress());
        var nginx2 = await fleet.StartNginxAsync("web-2", LoopbackPorts.NextAddress());
        await fleet.StartWebAsync("web-1", nginx1);
        var web2 = await fleet.StartWebAsync("web-2", nginx2);
        await WaitForServersAsync(lb, 2);

        var clock = Stopwatch.StartNew();
        web2.Agent.Kill();
        nginx2.Kill();
        await BalancerTests.WaitForAsync(
            async () => (await lb.Runtime.ShowServersStateAsync(CancellationToken.None)).Single(s => s.Name == "web-2").IsDown,
            TimeSpan.FromSeconds(10));
        var outAfter = clock.Elapsed;

        var bound = TimeSpan.FromMilliseconds(500 * 2) + TimeSpan.FromSeconds(1);
        Assert.True(outAfter <= bound, $"web-2 left rotation after {outAfter.TotalMilliseconds:0} ms; the bound is inter×fall + 1 s = {bound.TotalMilliseconds:0} ms");
        await using var load = new LoadLoop(lb.Http!, "shop.test", workers: 2);
        await Task.Delay(500);
        await load.StopAsync();
        Assert.Empty(load.Failures);
        Assert.Equal(0, load.CountFrom("web-2"));
        Assert.True(load.CountFrom("web-1") > 0);
    }

    [Fact]
    public async Task GracefulStop_DrainsTheNodeWithZeroFailedRequests()
    {
        await using var fleet = await LbFleet.CreateAsync("drain");
        var lb = await fleet.StartLbAsync("lb-1");
        var nginx1 = await fleet.StartNginxAsync("web-1", LoopbackPorts.NextAddress());
        var nginx2 = await fleet.StartNginxAsync("web-2", LoopbackPorts.NextAddress());
        var web1 = await fleet.StartWebAsync("web-1", nginx1);
        await fleet.StartWebAsync("web-2", nginx2);
        await WaitForServersAsync(lb, 2);
        await using var load = new LoadLoop(lb.Http!, "shop.test", workers: 4);
        await BalancerTests.WaitForAsync(() => Task.FromResult(load.CountFrom("web-1") > 20 && load.CountFrom("web-2") > 20), TimeSpan.FromSeconds(10));

        web1.Stop();
        Assert.True(await web1.Agent.WaitForExitAsync(TimeSpan.FromSeconds(15)), "web-1's agent did not stop");
        var exitedAt = load.ElapsedMs;
        nginx1.Kill();
        await Task.Delay(1500);
        await load.StopAsync();

        Assert.Equal(0, web1.Agent.ExitCode);
        Assert.Empty(load.Failures);
        Assert.Contains("\"EventId\":4053", web1.Agent.StandardOutput);
        Assert.DoesNotContain(load.Results, r => r.Node == "web-1" && r.At > exitedAt);
        Assert.True(load.Results.Count(r => r.Node == "web-2" && r.At > exitedAt) > 20, "traffic did not move to web-2");
        Assert.Equal("web-2", Assert.Single(await lb.Runtime.ShowServersStateAsync(CancellationToken.None), s => s.App == "shop").Name);
    }

    [Fact]
    public async Task HaproxyReload_KeepsTheBackends_AndTheAgentRechecksThem()
    {
        await using var fleet = await LbFleet.CreateAsync("reload");
        var lb = await fleet.StartLbAsync("lb-1");
        var nginx1 = await fleet.StartNginxAsync("web-1", LoopbackPorts.NextAddress());
        var nginx2 = await fleet.StartNginxAsync("web-2", LoopbackPorts.NextAddress());
        await fleet.StartWebAsync("web-1", nginx1);
        await fleet.StartWebAsync("web-2", nginx2);
        await WaitForServersAsync(lb, 2);
        var before = await lb.Runtime.ShowProcAsync(CancellationToken.None);

        await lb.Runtime.ReloadAsync(CancellationToken.None);
        await BalancerTests.WaitForAsync(async () =>
        {
            var now = await TryAsync(() => lb.Runtime.ShowProcAsync(CancellationToken.None));
            return now is not null && now.Reloads > before.Reloads && now.Workers.Count > 0
                   && now.Workers.Contains(await TryAsync(() => lb.Runtime.WorkerPidAsync(CancellationToken.None)));
        }, TimeSpan.FromSeconds(10));

        var servers = (await lb.Runtime.ShowServersStateAsync(CancellationToken.None)).Where(s => s.App == "shop").ToList();
        Assert.Equal(["web-1", "web-2"], servers.Select(s => s.Name).Order().ToArray());
        await BalancerTests.WaitForAsync(() => Task.FromResult(lb.Agent.StandardOutput.Contains("\"EventId\":4143")), TimeSpan.FromSeconds(5));
        Assert.Equal(2, await JoinsAsync(lb));
    }

    [Fact]
    public async Task AgentRestart_KeepsTheBackends_FromTheWrittenConfigWithoutRejoining()
    {
        await using var fleet = await LbFleet.CreateAsync("restart");
        var lb = await fleet.StartLbAsync("lb-1");
        var nginx1 = await fleet.StartNginxAsync("web-1", LoopbackPorts.NextAddress());
        var nginx2 = await fleet.StartNginxAsync("web-2", LoopbackPorts.NextAddress());
        await fleet.StartWebAsync("web-1", nginx1);
        await fleet.StartWebAsync("web-2", nginx2);
        await WaitForServersAsync(lb, 2);

        lb.Stop();
        Assert.True(await lb.Agent.WaitForExitAsync(TimeSpan.FromSeconds(15)), "the lb agent did not stop");
        var again = await fleet.RestartAsync(lb);

        var servers = (await again.Runtime.ShowServersStateAsync(CancellationToken.None)).Where(s => s.App == "shop").ToList();
        Assert.Equal(["web-1", "web-2"], servers.Select(s => s.Name).Order().ToArray());
        await using var load = new LoadLoop(again.Http!, "shop.test", workers: 2);
        await BalancerTests.WaitForAsync(() => Task.FromResult(load.CountFrom("web-1") > 0 && load.CountFrom("web-2") > 0), TimeSpan.FromSeconds(10));
        await load.StopAsync();
        Assert.Empty(load.Failures);
        Assert.Equal(0, await JoinsAsync(again));
    }

    [Fact]
    public async Task AgentKilled_LeavesHaproxyServing_AndTheNextAgentTakesItOver()
    {
        await using var fleet = await LbFleet.CreateAsync("orphan");
        var lb = await fleet.StartLbAsync("lb-1");
        var nginx1 = await fleet.StartNginxAsync("web-1", LoopbackPorts.NextAddress());
        await fleet.StartWebAsync("web-1", nginx1);
        await WaitForServersAsync(lb, 1);
        var oldMaster = (await lb.Runtime.ShowProcAsync(CancellationToken.None)).MasterPid;
        await using var load = new LoadLoop(lb.Http!, "shop.test", workers: 2);

        lb.Agent.Kill();
        await Task.Delay(300);
        var again = await fleet.RestartAsync(lb);
        await Task.Delay(500);
        await load.StopAsync();

        var master = await again.Runtime.ShowProcAsync(CancellationToken.None);
        Assert.NotEqual(oldMaster, master.MasterPid);
        await BalancerTests.WaitForAsync(() => Task.FromResult(!File.Exists($"/proc/{oldMaster}/cmdline") || File.ReadAllText($"/proc/{oldMaster}/stat").Contains(") Z", StringComparison.Ordinal)), TimeSpan.FromSeconds(15));
        Assert.True(load.Failures.Count == 0, string.Join('\n', load.Failures.Take(3)) + "\n" + again.Agent.StandardOutput + "\n" + File.ReadAllText(again.Haproxy.ServerState) + File.ReadAllText(again.Haproxy.Config));
        Assert.Equal("web-1", Assert.Single(await again.Runtime.ShowServersStateAsync(CancellationToken.None), s => s.App == "shop").Name);
        Assert.Contains("\"EventId\":4104", again.Agent.StandardOutput);
    }

    private static async Task WaitForServersAsync(LbFleet.Node lb, int count)
        => await BalancerTests.WaitForAsync(
            async () => (await lb.Runtime.ShowServersStateAsync(CancellationToken.None)).Count(s => s.App == "shop" && !s.IsDown && !s.InMaintenance && !s.Draining) == count,
            TimeSpan.FromSeconds(20));

    private static async Task<int> JoinsAsync(LbFleet.Node lb)
    {
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(lb.Metrics);
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith("nodeagent_lb_membership_changes_total{change=\"join\"}", StringComparison.Ordinal));
        return line is null ? 0 : (int)double.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<T?> TryAsync<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or TimeoutException or FormatException or HaproxyCommandException)
        {
            return default;
        }
    }
}
