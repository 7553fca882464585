using NodeAgent.Testing;
using NodeAgent.Tests.Roles.Lb.Haproxy;

namespace NodeAgent.Tests.Roles.Lb;

/// <summary>
/// The lb's HAProxy backends survive what happens to HAProxy and to the agent itself: a reload, a graceful agent
/// restart, and an agent killed outright (its HAProxy keeps serving and the next agent takes it over).
/// </summary>
public sealed class LbPersistenceTests
{
    [Fact]
    public async Task HaproxyReload_KeepsTheBackends_AndTheAgentRechecksThem()
    {
        await using var fleet = await LbFleet.CreateAsync("reload");
        var lb = await fleet.StartLbAsync("lb-1");
        var nginx1 = await fleet.StartNginxAsync("web-1", LoopbackPorts.NextAddress());
        var nginx2 = await fleet.StartNginxAsync("web-2", LoopbackPorts.NextAddress());
        await fleet.StartWebAsync("web-1", nginx1);
        await fleet.StartWebAsync("web-2", nginx2);
        await LbScenarioTests.WaitForServersAsync(lb, 2);
        var before = await lb.Runtime.ShowProcAsync(CancellationToken.None);

        await lb.Runtime.ReloadAsync(CancellationToken.None);
        await BalancerTests.WaitForAsync(async () =>
        {
            var now = await LbScenarioTests.TryAsync(() => lb.Runtime.ShowProcAsync(CancellationToken.None));
            return now is not null && now.Reloads > before.Reloads && now.Workers.Count > 0
                   && now.Workers.Contains(await LbScenarioTests.TryAsync(() => lb.Runtime.WorkerPidAsync(CancellationToken.None)));
        }, TimeSpan.FromSeconds(10));

        var servers = (await lb.Runtime.ShowServersStateAsync(CancellationToken.None)).Where(s => s.App == "shop").ToList();
        Assert.Equal(["web-1", "web-2"], servers.Select(s => s.Name).Order().ToArray());
        await BalancerTests.WaitForAsync(() => Task.FromResult(lb.Agent.StandardOutput.Contains("\"EventId\":4143")), TimeSpan.FromSeconds(5));
        Assert.Equal(2, await LbScenarioTests.JoinsAsync(lb));
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
        await LbScenarioTests.WaitForServersAsync(lb, 2);

        lb.Stop();
        Assert.True(await lb.Agent.WaitForExitAsync(TimeSpan.FromSeconds(15)), "the lb agent did not stop");
        var again = await fleet.RestartAsync(lb);

        var servers = (await again.Runtime.ShowServersStateAsync(CancellationToken.None)).Where(s => s.App == "shop").ToList();
        Assert.Equal(["web-1", "web-2"], servers.Select(s => s.Name).Order().ToArray());
        await using var load = new LoadLoop(again.Http!, "shop.test", workers: 2);
        await BalancerTests.WaitForAsync(() => Task.FromResult(load.CountFrom("web-1") > 0 && load.CountFrom("web-2") > 0), TimeSpan.FromSeconds(10));
        await load.StopAsync();
        Assert.Empty(load.Failures);
        Assert.Equal(0, await LbScenarioTests.JoinsAsync(again));
    }

    [Fact]
    public async Task AgentKilled_LeavesHaproxyServing_AndTheNextAgentTakesItOver()
    {
        await using var fleet = await LbFleet.CreateAsync("orphan");
        var lb = await fleet.StartLbAsync("lb-1");
        var nginx1 = await fleet.StartNginxAsync("web-1", LoopbackPorts.NextAddress());
        await fleet.StartWebAsync("web-1", nginx1);
        await LbScenarioTests.WaitForServersAsync(lb, 1);
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
}
