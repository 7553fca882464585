using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Registry;
using NodeAgent.Roles.Lb.Configuration;
using NodeAgent.Roles.Lb.Haproxy;
using NodeAgent.Storage;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Lb.Haproxy;

/// <summary>The lb balancer in-process against a real HAProxy 2.6, real nginx web servers and the local S3.</summary>
public sealed class BalancerTests
{
    private const string ShopBackend = """
          allowed_cidrs: [127.0.0.0/8]
          flap_hold_down: 0s
          backends:
            - app: shop
              check: {path: /healthz, interval: 300ms, timeout: 280ms, rise: 2, fall: 2}
        """;

    [Fact]
    public async Task Sync_AddsAHealthyWebNodeLive_AndItReceivesTraffic()
    {
        await using var lb = await LbHarness.StartAsync(ShopBackend);
        await using var web = await NginxServer.StartAsync(lb.Dir.Path, "web-1", LoopbackPorts.NextAddress());
        Assert.Equal(503, (await lb.GetAsync("shop.test")).Status);

        await lb.PutWebNodeAsync("web-1", web.Address, web.Port);
        await lb.Membership.SyncAsync(CancellationToken.None);

        Assert.Equal((200, "web-1"), await lb.GetAsync("shop.test"));
        var server = Assert.Single(await lb.ServersAsync());
        Assert.Equal(("be_shop", "web-1", web.Address.ToString(), web.Port), (server.Backend, server.Name, server.Address, server.Port));
        Assert.Contains($"server web-1 {web.Address}:{web.Port} id 1 ", await File.ReadAllTextAsync(lb.Paths.Config));
        Assert.Equal(0, (await lb.Runtime.ShowProcAsync(CancellationToken.None)).Reloads);
    }

    [Fact]
    public async Task Sync_IgnoresMalformedOversizedAndForeignRegistryObjects_WithALoggedReason()
    {
        await using var lb = await LbHarness.StartAsync(ShopBackend.Replace("127.0.0.0/8", "127.0.0.0/9"));
        await using var good = await NginxServer.StartAsync(lb.Dir.Path, "web-good", LoopbackPorts.NextAddress());
        await using var services = lb.Stack.Services(lb.Bucket);
        var store = lb.Stack.Store(services);
        var prefix = RegistryKeys.Role(lb.Cluster, "web");
        await store.PutAsync(prefix + "web-bad-json.json", Encoding.UTF8.GetBytes("{\"schema\": 1, \"cluster\": "), null, CancellationToken.None);
        var huge = LbHarness.WebRecord(lb.Cluster, "web-huge", IPAddress.Parse("127.0.0.9"), 80, NodeHealth.Healthy, ["shop"]) with
        {
            AvailabilityZone = new string('x', 70_000),
        };
        await store.PutAsync(prefix + "web-huge.json", NodeRecordJson.Serialize(huge), null, CancellationToken.None);
        await lb.PutWebNodeAsync("web-foreign", IPAddress.Parse("127.200.0.1"), 80);
        await lb.PutWebNodeAsync("web-outside", IPAddress.Parse("10.20.30.40"), 80);
        await store.PutAsync(prefix + "web-injected.json", NodeRecordJson.Serialize(
            LbHarness.WebRecord(lb.Cluster, "web-1 backup", good.Address, good.Port, NodeHealth.Healthy, ["shop"])), null, CancellationToken.None);
        await lb.PutWebNodeAsync("web-good", good.Address, good.Port);

        await lb.Membership.SyncAsync(CancellationToken.None);

        var server = Assert.Single(await lb.ServersAsync());
        Assert.Equal("web-good", server.Name);
        var config = await File.ReadAllTextAsync(lb.Paths.Config);
        Assert.DoesNotContain("web-bad", config);
        Assert.DoesNotContain("web-huge", config);
        Assert.DoesNotContain("127.200.0.1", config);
        Assert.DoesNotContain("10.20.30.40", config);
        Assert.DoesNotContain("backup", config);
        var reasons = string.Join('\n', lb.Logs.Messages(4136));
        Assert.Contains($"{prefix}web-bad-json.json ignored: malformed JSON", reasons);
        Assert.Contains($"{prefix}web-huge.json ignored: object is", reasons);
        Assert.Contains("at most 65536 are accepted", reasons);
        Assert.Contains($"{prefix}web-foreign.json ignored: address 127.200.0.1 is outside lb.allowed_cidrs (127.0.0.0/9)", reasons);
        Assert.Contains($"{prefix}web-outside.json ignored: address 10.20.30.40 is outside lb.allowed_cidrs", reasons);
        Assert.Contains($"{prefix}web-injected.json ignored: node_id is not a valid node id", reasons);

        await lb.Membership.SyncAsync(CancellationToken.None);
        Assert.Equal(5, lb.Logs.Messages(4136).Count());
    }

    [Fact]
    public async Task Leave_DrainsDeletesTheServerLive_AndRewritesTheConfigWithoutIt()
    {
        await using var lb = await LbHarness.StartAsync(ShopBackend);
        await using var web1 = await NginxServer.StartAsync(lb.Dir.Path, "web-1", LoopbackPorts.NextAddress());
        await using var web2 = await NginxServer.StartAsync(lb.Dir.Path, "web-2", LoopbackPorts.NextAddress());
        await lb.PutWebNodeAsync("web-1", web1.Address, web1.Port);
        await lb.PutWebNodeAsync("web-2", web2.Address, web2.Port);
        await lb.Membership.SyncAsync(CancellationToken.None);
        Assert.Equal(2, (await lb.ServersAsync()).Count);

        await lb.PutWebNodeAsync("web-1", web1.Address, web1.Port, NodeHealth.Draining);
        await lb.Membership.SyncAsync(CancellationToken.None);
        await lb.Membership.LeavesSettledAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("web-2", Assert.Single(await lb.ServersAsync()).Name);
        var config = await File.ReadAllTextAsync(lb.Paths.Config);
        Assert.DoesNotContain("server web-1 ", config);
        Assert.Contains("server web-2 ", config);
        Assert.Contains(lb.Logs.Messages(4131), m => m.Contains("be_shop/web-1 draining"));
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal((200, "web-2"), await lb.GetAsync("shop.test"));
        }
    }

    [Fact]
    public async Task Reload_KeepsTheServersAddedLive_BecauseTheyAreWrittenIntoTheConfig()
    {
        await using var lb = await LbHarness.StartAsync(ShopBackend);
        await using var web1 = await NginxServer.StartAsync(lb.Dir.Path, "web-1", LoopbackPorts.NextAddress());
        await using var web2 = await NginxServer.StartAsync(lb.Dir.Path, "web-2", LoopbackPorts.NextAddress());
        await lb.PutWebNodeAsync("web-1", web1.Address, web1.Port);
        await lb.PutWebNodeAsync("web-2", web2.Address, web2.Port);
        await lb.Membership.SyncAsync(CancellationToken.None);
        var workerBefore = await lb.Runtime.WorkerPidAsync(CancellationToken.None);

        await lb.Process.ReloadAsync(CancellationToken.None);

        Assert.NotEqual(workerBefore, await lb.Runtime.WorkerPidAsync(CancellationToken.None));
        var servers = await lb.ServersAsync();
        Assert.Equal(["web-1", "web-2"], servers.Select(s => s.Name).Order().ToArray());
        Assert.All(servers, s => Assert.False(s.IsDown || s.InMaintenance, $"{s.Name} is {s.Describe()} after the reload"));
        var seen = new HashSet<string>();
        for (var i = 0; i < 10; i++)
        {
            seen.Add((await lb.GetAsync("shop.test")).Body);
        }

        Assert.Equal(["web-1", "web-2"], seen.Order().ToArray());
    }

    [Fact]
    public async Task Reload_RestoresCheckStatesFromTheServerStateFile_SoADownServerStaysOutOfRotation()
    {
        await using var lb = await LbHarness.StartAsync(ShopBackend.Replace("interval: 300ms", "interval: 2s").Replace("timeout: 280ms", "timeout: 500ms"));
        await using var web1 = await NginxServer.StartAsync(lb.Dir.Path, "web-1", LoopbackPorts.NextAddress());
        var web2 = await NginxServer.StartAsync(lb.Dir.Path, "web-2", LoopbackPorts.NextAddress());
        await lb.PutWebNodeAsync("web-1", web1.Address, web1.Port);
        await lb.PutWebNodeAsync("web-2", web2.Address, web2.Port);
        await lb.Membership.SyncAsync(CancellationToken.None);
        await web2.DisposeAsync();
        await WaitForAsync(async () => (await lb.ServersAsync()).Single(s => s.Name == "web-2").IsDown, TimeSpan.FromSeconds(15));
        await lb.Membership.TickAsync(CancellationToken.None);

        await lb.Process.ReloadAsync(CancellationToken.None);

        Assert.True((await lb.ServersAsync()).Single(s => s.Name == "web-2").IsDown, "web-2 came back up after the reload; the state file was not applied");
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal((200, "web-1"), await lb.GetAsync("shop.test"));
        }
    }

    [Fact]
    public async Task FlappingServer_IsHeldOutUntilItsHoldDownEnds_ThenComesBack()
    {
        await using var lb = await LbHarness.StartAsync(ShopBackend.Replace("flap_hold_down: 0s", "flap_hold_down: 5s"));
        await using var web1 = await NginxServer.StartAsync(lb.Dir.Path, "web-1", LoopbackPorts.NextAddress());
        var web2 = await NginxServer.StartAsync(lb.Dir.Path, "web-2", LoopbackPorts.NextAddress());
        await lb.PutWebNodeAsync("web-1", web1.Address, web1.Port);
        await lb.PutWebNodeAsync("web-2", web2.Address, web2.Port);
        await lb.Membership.SyncAsync(CancellationToken.None);
        await lb.Membership.TickAsync(CancellationToken.None);

        await web2.DisposeAsync();
        await WaitForAsync(async () => (await lb.ServersAsync()).Single(s => s.Name == "web-2").IsDown, TimeSpan.FromSeconds(10));
        await lb.Membership.TickAsync(CancellationToken.None);
        var downAt = DateTime.UtcNow;
        await using var again = await NginxServer.StartAsync(lb.Dir.Path, "web-2", web2.Address, web2.Port);
        await WaitForAsync(async () => !(await lb.ServersAsync()).Single(s => s.Name == "web-2").IsDown, TimeSpan.FromSeconds(10));
        await lb.Membership.TickAsync(CancellationToken.None);

        var held = (await lb.ServersAsync()).Single(s => s.Name == "web-2");
        Assert.True(held.Draining, $"web-2 is {held.Describe()}, not held out");
        Assert.True(DateTime.UtcNow - downAt < TimeSpan.FromSeconds(5), "the machine was too slow to observe the hold");
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal((200, "web-1"), await lb.GetAsync("shop.test"));
        }

        Assert.Contains(lb.Logs.Messages(4134), m => m.Contains("be_shop/web-2", StringComparison.Ordinal));
        await Task.Delay(downAt + TimeSpan.FromSeconds(5.2) - DateTime.UtcNow);
        await lb.Membership.TickAsync(CancellationToken.None);
        Assert.False((await lb.ServersAsync()).Single(s => s.Name == "web-2").Draining);
        var seen = new HashSet<string>();
        for (var i = 0; i < 6; i++)
        {
            seen.Add((await lb.GetAsync("shop.test")).Body);
        }

        Assert.Contains("web-2", seen);
    }

    [Fact]
    public async Task HaproxyCrash_IsRestartedBySupervisor_WithItsBackends()
    {
        await using var lb = await LbHarness.StartAsync(ShopBackend);
        await using var web = await NginxServer.StartAsync(lb.Dir.Path, "web-1", LoopbackPorts.NextAddress());
        await lb.PutWebNodeAsync("web-1", web.Address, web.Port);
        await lb.Membership.SyncAsync(CancellationToken.None);
        var supervisor = lb.Supervisor;
        await supervisor.StartAsync(CancellationToken.None);
        var crashed = lb.Process.MasterPid!.Value;

        System.Diagnostics.Process.GetProcessById(crashed).Kill(entireProcessTree: true);
        await WaitForAsync(() => Task.FromResult(lb.Process.MasterPid != crashed && lb.Process.IsRunning), TimeSpan.FromSeconds(30));

        Assert.Equal("web-1", Assert.Single(await lb.ServersAsync()).Name);
        Assert.Equal((200, "web-1"), await lb.GetAsync("shop.test"));
        Assert.Contains(lb.Logs.Entries, e => e.EventId == 4150);
        await supervisor.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task HostRules_RouteTwoHostsToTwoApps()
    {
        await using var lb = await LbHarness.StartAsync("""
              allowed_cidrs: [127.0.0.0/8]
              default_backend: blog
              backends:
                - app: shop
                  hosts: [shop.test, www.shop.test]
                - app: blog
                  hosts: [blog.test]
                  balance: leastconn
                  cookie: SRV
            """);
        await using var shop = await NginxServer.StartAsync(lb.Dir.Path, "shop-node", LoopbackPorts.NextAddress());
        await using var blog = await NginxServer.StartAsync(lb.Dir.Path, "blog-node", LoopbackPorts.NextAddress());
        await lb.PutWebNodeAsync("web-shop", shop.Address, shop.Port, NodeHealth.Healthy, "shop");
        await lb.PutWebNodeAsync("web-blog", blog.Address, blog.Port, NodeHealth.Healthy, "blog");

        await lb.Membership.SyncAsync(CancellationToken.None);

        Assert.Equal((200, "shop-node"), await lb.GetAsync("shop.test"));
        Assert.Equal((200, "shop-node"), await lb.GetAsync("WWW.Shop.Test:8080"));
        Assert.Equal((200, "blog-node"), await lb.GetAsync("blog.test"));
        Assert.Equal((200, "blog-node"), await lb.GetAsync("unknown.test"));
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{lb.Http}/");
        request.Headers.Host = "blog.test";
        using var response = await http.SendAsync(request);
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("SRV=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HttpsFrontend_TerminatesTlsWithTheConfiguredCertificate()
    {
        await using var lb = await LbHarness.StartAsync(ShopBackend, https: true);
        await using var web = await NginxServer.StartAsync(lb.Dir.Path, "web-1", LoopbackPorts.NextAddress());
        await lb.PutWebNodeAsync("web-1", web.Address, web.Port);
        await lb.Membership.SyncAsync(CancellationToken.None);
        string? presented = null;
        using var http = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = { RemoteCertificateValidationCallback = (_, cert, _, _) => { presented = cert?.Subject; return true; } },
        });
        using var request = new HttpRequestMessage(HttpMethod.Get, $"https://{lb.Https}/");
        request.Headers.Host = "shop.test";

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("web-1", (await response.Content.ReadAsStringAsync()).Trim());
        Assert.Equal("CN=shop.test", presented);
    }

    [Fact]
    public async Task AccessLog_WritesAnApacheCombinedLinePerRequest()
    {
        await using var lb = await LbHarness.StartAsync(ShopBackend + "\n  log: {file: LOGFILE}".Replace("LOGFILE", Path.Combine(Path.GetTempPath(), $"na-access-{Guid.NewGuid():N}.log")));
        await using var web = await NginxServer.StartAsync(lb.Dir.Path, "web-1", LoopbackPorts.NextAddress());
        await lb.PutWebNodeAsync("web-1", web.Address, web.Port);
        await lb.Membership.SyncAsync(CancellationToken.None);
        var file = lb.Config.Section<LbSection>().Log.File!;
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{lb.Http}/products?id=7");
        request.Headers.Host = "shop.test";
        request.Headers.Referrer = new Uri("http://example.test/start");
        request.Headers.UserAgent.ParseAdd("combined-test/1.0");

        using var response = await http.SendAsync(request);

        var line = await WaitForLineAsync(file, "combined-test/1.0", TimeSpan.FromSeconds(10));
        File.Delete(file);
        Assert.Matches(new Regex(
            """^\d+\.\d+\.\d+\.\d+ - - \[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "GET /products\?id=7 HTTP/1\.1" 200 \d+ "http://example\.test/start" "combined-test/1\.0"$"""),
            line);
    }

    private static async Task<string> WaitForLineAsync(string file, string marker, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(file))
            {
                var line = (await File.ReadAllLinesAsync(file)).FirstOrDefault(l => l.Contains(marker, StringComparison.Ordinal));
                if (line is not null)
                {
                    return line;
                }
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"no line with '{marker}' in {file} within {timeout}");
    }

    internal static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"condition not met within {timeout}");
    }
}
