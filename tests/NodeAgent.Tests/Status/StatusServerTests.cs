using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Lifecycle;
using NodeAgent.Roles;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Status;

public sealed class StatusServerTests
{
    [Fact]
    public async Task Healthz_WhileAStartupTaskRuns_Answers503WithTheReason_Then200()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("healthz");
        using var dir = new TempDir();
        var address = LoopbackPorts.NextAddress();
        var file = UserDataFiles.Web(stack, bucket, dir, "hz", "web-1", address);
        var roles = BuiltInRoles.Catalog();
        var boot = await new AgentBootstrapper(new FileUserDataSource(file), roles.SectionReaders, new LinuxHostFacts()).LoadAsync(CancellationToken.None);
        var gate = new TaskCompletionSource();
        using var host = AgentHost.Build(boot, roles, new AgentRunOptions { Output = TextWriter.Null },
            services => services.AddSingleton<IStartupTask>(new GatedTask(gate.Task)));
        using var http = new HttpClient();
        var url = $"http://{address}:9780/healthz";

        var starting = host.StartAsync();
        var duringBody = await PollUntilAsync(http, url, body => body.Contains("running wait for the test", StringComparison.Ordinal));
        var during = JsonDocument.Parse(duringBody).RootElement;
        gate.SetResult();
        await starting;
        var after = await http.GetAsync(url);
        await host.StopAsync();

        Assert.Equal("not_ready", during.GetProperty("status").GetString());
        Assert.Contains(during.GetProperty("reasons").EnumerateArray(), r => r.GetString() == "startup: running wait for the test");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task Metrics_IsPrometheusText()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("metrics");
        using var dir = new TempDir();
        var address = LoopbackPorts.NextAddress();
        var file = UserDataFiles.Web(stack, bucket, dir, "mx", "web-1", address);
        var roles = BuiltInRoles.Catalog();
        var boot = await new AgentBootstrapper(new FileUserDataSource(file), roles.SectionReaders, new LinuxHostFacts()).LoadAsync(CancellationToken.None);
        using var host = AgentHost.Build(boot, roles, new AgentRunOptions { Output = TextWriter.Null });
        using var http = new HttpClient();

        await host.StartAsync();
        using var response = await http.GetAsync($"http://{address}:9780/metrics");
        var text = await response.Content.ReadAsStringAsync();
        await host.StopAsync();

        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Contains("# TYPE nodeagent_ready gauge", text);
        Assert.Contains("nodeagent_readiness_check{check=\"startup\"} 1", text);
    }

    private static async Task<string> PollUntilAsync(HttpClient http, string url, Func<string, bool> done)
    {
        for (var i = 0; i < 300; i++)
        {
            try
            {
                using var response = await http.GetAsync(url);
                var body = await response.Content.ReadAsStringAsync();
                if (done(body))
                {
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                    return body;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{url} never reached the expected state");
    }

    private sealed class GatedTask(Task gate) : IStartupTask
    {
        public int Order => StartupOrder.RoleCatchUp;

        public string Name => "wait for the test";

        public Task RunAsync(CancellationToken cancellationToken) => gate.WaitAsync(cancellationToken);
    }
}
