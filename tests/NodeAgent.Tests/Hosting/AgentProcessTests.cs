using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json;
using NodeAgent.Registry;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Hosting;

/// <summary>The nodeagent binary itself, run as a process against the local stack.</summary>
public sealed class AgentProcessTests
{
    [Fact]
    public async Task RunOnce_PrintsIdentityRoleQueueAndReady_ThenExitsCleanly()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("once");
        using var dir = new TempDir();
        var address = LoopbackPorts.NextAddress();
        var file = UserDataFiles.Web(stack, bucket, dir, "once", "web-1", address);

        var (code, stdout, stderr) = await AgentProcess.RunAsync(["run", "--once", "--user-data", file], TimeSpan.FromSeconds(60));

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("node      web-1 (instance i-web-1)", stdout);
        Assert.Contains("role      web", stdout);
        Assert.Contains($"queue     {stack.Endpoint}000000000000/nodeagent-once-web-1", stdout);
        Assert.Contains("\nready", stdout);
        Assert.Contains("\"EventId\":1002", stdout);
    }

    [Fact]
    public async Task Run_OnSigterm_DeregistersAndStopsWithinTheShutdownBound()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("sigterm");
        using var dir = new TempDir();
        var address = LoopbackPorts.NextAddress();
        var file = UserDataFiles.Web(stack, bucket, dir, "sig", "web-1", address);
        await using var services = stack.Services(bucket);
        var store = stack.Store(services);
        await using var agent = AgentProcess.Start(["run", "--user-data", file]);
        await agent.WaitReadyAsync(StatusEndpoint.Healthz(address), TimeSpan.FromSeconds(45));
        Assert.NotNull(await store.HeadAsync(RegistryKeys.Node("sig", "web", "web-1"), CancellationToken.None));

        var clock = Stopwatch.StartNew();
        agent.Signal(PosixSignal.SIGTERM);
        var exited = await agent.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.True(exited, "the agent did not exit after SIGTERM");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3 + 2), $"stopping took {clock.Elapsed}; shutdown_timeout is 3s");
        Assert.Equal(0, agent.ExitCode);
        Assert.Null(await store.HeadAsync(RegistryKeys.Node("sig", "web", "web-1"), CancellationToken.None));
    }

    [Fact]
    public async Task Run_ServesHealthzAndMetricsOverHttp()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("status");
        using var dir = new TempDir();
        var address = LoopbackPorts.NextAddress();
        var file = UserDataFiles.Web(stack, bucket, dir, "stat", "web-1", address);
        await using var agent = AgentProcess.Start(["run", "--user-data", file]);
        using var http = new HttpClient();

        await agent.WaitReadyAsync(StatusEndpoint.Healthz(address), TimeSpan.FromSeconds(45));
        var health = JsonDocument.Parse(await http.GetStringAsync($"http://{address}:9780/healthz")).RootElement;
        var metrics = await http.GetStringAsync($"http://{address}:9780/metrics");

        Assert.Equal("ready", health.GetProperty("status").GetString());
        Assert.Equal("web-1", health.GetProperty("node").GetString());
        Assert.True(health.GetProperty("checks").GetProperty("startup").GetProperty("ready").GetBoolean());
        Assert.Contains("nodeagent_info{cluster=\"stat\",role=\"web\",node=\"web-1\"", metrics);
        Assert.Contains("nodeagent_ready 1", metrics);
        Assert.Contains("nodeagent_aws_requests_total{service=\"sqs\",operation=\"CreateQueue\"}", metrics);
    }

    [Fact]
    public async Task Run_WithInvalidUserData_RefusesToStartAndCreatesNothing()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("invalid");
        using var dir = new TempDir();
        var file = UserDataFiles.Web(stack, bucket, dir, "bad", "web-1", LoopbackPorts.NextAddress(), "registry: {heartbeat_interval: 0s}");

        var (code, stdout, stderr) = await AgentProcess.RunAsync(["run", "--user-data", file], TimeSpan.FromSeconds(30));

        Assert.Equal(3, code);
        Assert.Contains("registry.heartbeat_interval: expected a duration between 1s and 1h, got 0s", stderr);
        Assert.Contains("refusing to start", stderr);
        Assert.DoesNotContain("Startup:", stdout);
        await using var services = stack.Services(bucket);
        Assert.Empty((await stack.Store(services).ListAsync("bad/", null, CancellationToken.None)).Objects);
    }

    [Fact]
    public async Task Run_WhenTheStatusPortIsTaken_FailsStartupWithAClearMessage()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("port");
        using var dir = new TempDir();
        var address = LoopbackPorts.NextAddress();
        using var squatter = new System.Net.Sockets.TcpListener(address, 9780);
        squatter.Start();
        var file = UserDataFiles.Web(stack, bucket, dir, "port", "web-1", address);

        var (code, _, stderr) = await AgentProcess.RunAsync(["run", "--user-data", file], TimeSpan.FromSeconds(30));

        Assert.Equal(5, code);
        Assert.Contains($"status endpoint cannot listen on {address}:9780", stderr);
    }
}
