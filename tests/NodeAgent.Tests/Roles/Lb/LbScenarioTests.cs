using System.Diagnostics;
using NodeAgent.Roles.Lb.Haproxy;
using NodeAgent.Testing;
using NodeAgent.Tests.Roles.Lb.Haproxy;

namespace NodeAgent.Tests.Roles.Lb;

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

    internal static async Task WaitForServersAsync(LbFleet.Node lb, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        IReadOnlyList<ServerState> servers = [];
        while (DateTime.UtcNow < deadline)
        {
            servers = (await lb.Runtime.ShowServersStateAsync(CancellationToken.None)).Where(s => s.App == "shop").ToList();
            if (servers.Count(s => !s.IsDown && !s.InMaintenance && !s.Draining) == count)
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"expected {count} servers in rotation, HAProxy has: {string.Join(", ", servers.Select(s => $"{s.Name} {s.Describe()}"))}\n"
                    + string.Join('\n', lb.Agent.StandardOutput.Split('\n').Where(l => l.Contains("Membership", StringComparison.Ordinal)).TakeLast(20)));
    }

    internal static async Task<int> JoinsAsync(LbFleet.Node lb)
    {
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(lb.Metrics);
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith("nodeagent_lb_membership_changes_total{change=\"join\"}", StringComparison.Ordinal));
        return line is null ? 0 : (int)double.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    internal static async Task<T?> TryAsync<T>(Func<Task<T>> action)
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
