using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Configuration;
using NodeAgent.Registry;
using NodeAgent.Roles.Web.Configuration;
using NodeAgent.Roles.Web.Health;
using NodeAgent.Status;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Web.Health;

/// <summary>The web health loop against a real nginx: what it sends, what counts, and where its state goes.</summary>
public sealed class WebHealthTests
{
    private static HttpCheckConfig Check(string path = "/healthz", int expect = 200, int rise = 2, int fall = 2) => new()
    {
        Path = path,
        ExpectStatus = expect,
        Interval = TimeSpan.FromMilliseconds(200),
        Timeout = TimeSpan.FromMilliseconds(300),
        Rise = rise,
        Fall = fall,
    };

    [Fact]
    public async Task Probe_PassesOnTheExpectedStatus_AndSaysWhyOtherwise()
    {
        using var dir = new TempDir();
        await using var nginx = await NginxServer.StartAsync(dir.Path, "web-1", LoopbackPorts.NextAddress());
        using var ok = new HttpHealthProbe(Check(), nginx.Address, nginx.Port);
        using var wrongStatus = new HttpHealthProbe(Check(expect: 204), nginx.Address, nginx.Port);

        var pass = await ok.ProbeAsync(CancellationToken.None);
        var fail = await wrongStatus.ProbeAsync(CancellationToken.None);

        Assert.True(pass.Success, pass.Detail);
        Assert.Matches("^200 in \\d+ ms$", pass.Detail);
        Assert.Equal(new ProbeResult(false, "expected status 204, got 200"), fail);
        Assert.Contains("/healthz HTTP/1.1\" 200 \"nodeagent-health/1\"", await File.ReadAllTextAsync(nginx.AccessLog));
    }

    [Fact]
    public async Task Probe_FailsFast_WhenNothingListens()
    {
        var address = LoopbackPorts.NextAddress();
        using var probe = new HttpHealthProbe(Check(), address, LoopbackPorts.Free(address));

        var result = await probe.ProbeAsync(CancellationToken.None);

        Assert.Equal(new ProbeResult(false, "connection refused"), result);
    }

    [Fact]
    public async Task Probe_FailsAfterItsTimeout_WhenTheServerDoesNotAnswer()
    {
        var address = LoopbackPorts.NextAddress();
        using var silent = new TcpListener(address, 0);
        silent.Start();
        using var probe = new HttpHealthProbe(Check(), address, ((IPEndPoint)silent.LocalEndpoint).Port);

        var result = await probe.ProbeAsync(CancellationToken.None);

        Assert.Equal(new ProbeResult(false, "no answer within 300 ms"), result);
    }

    [Fact]
    public async Task Loop_ReportsHealthyAfterRise_IntoHealthzAndTheRegistry_ThenUnhealthyAfterFall()
    {
        using var dir = new TempDir();
        var nginx = await NginxServer.StartAsync(dir.Path, "web-1", LoopbackPorts.NextAddress());
        var config = WebConfig(Check(rise: 2, fall: 2), nginx.Port);
        var board = new NodeStatusBoard();
        var readiness = new ReadinessState(TimeProvider.System);
        using var probe = new HttpHealthProbe(config.Section<WebSection>().Health!, nginx.Address, nginx.Port);
        var loop = new WebHealthService(probe, config.Section<WebSection>(), board, readiness, TimeProvider.System, NullLogger<WebHealthService>.Instance);

        await loop.RunOnceAsync(CancellationToken.None);
        var afterOne = (board.Health, readiness.Snapshot().Ready);
        await loop.RunOnceAsync(CancellationToken.None);
        var afterRise = (board.Health, readiness.Snapshot().Ready);
        await nginx.DisposeAsync();
        await loop.RunOnceAsync(CancellationToken.None);
        var afterOneFailure = board.Health;
        await loop.RunOnceAsync(CancellationToken.None);

        Assert.Equal((NodeHealth.Starting, false), afterOne);
        Assert.Equal((NodeHealth.Healthy, true), afterRise);
        Assert.Equal(NodeHealth.Healthy, afterOneFailure);
        Assert.Equal(NodeHealth.Unhealthy, board.Health);
        var check = Assert.Single(readiness.Snapshot().Checks, c => c.Name == WebHealthService.ReadinessCheck);
        Assert.False(check.Ready);
        Assert.Equal($"unhealthy: GET http://{nginx.Address}:{nginx.Port}/healthz: connection refused", check.Detail);
    }

    [Fact]
    public async Task Loop_WithoutACheck_ReportsHealthyOnceStarted()
    {
        var board = new NodeStatusBoard();
        using var loop = new WebHealthService(null, WebConfig(null, 80).Section<WebSection>(), board, new ReadinessState(TimeProvider.System), TimeProvider.System, NullLogger<WebHealthService>.Instance);

        await loop.StartAsync(CancellationToken.None);
        await loop.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(NodeHealth.Healthy, board.Health);
    }

    private static AgentConfig WebConfig(HttpCheckConfig? check, int port) => new()
    {
        Role = "web",
        Cluster = "c1",
        Aws = new AwsSection { Region = "us-east-1", Bucket = "b-1" },
        RoleSection = new WebSection { Port = port, Health = check, Apps = [] },
    };
}
