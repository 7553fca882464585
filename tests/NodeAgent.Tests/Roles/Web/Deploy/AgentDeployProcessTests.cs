using System.Net;
using System.Runtime.InteropServices;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Web.Deploy;

/// <summary>The real nodeagent binary as a web node behind Debian's nginx, driven by the real CLI.</summary>
public sealed class AgentDeployProcessTests
{
    private static string UserData(LocalStack stack, string bucket, TempDir dir, string cluster, IPAddress address, int port, string repo, string hooks = "")
    {
        var root = dir.Combine("srv");
        var conf = NginxConfig.Write(dir.Path, address, port, Path.Combine(root, "shop", "current"));
        var path = dir.Combine("web-1.yaml");
        File.WriteAllText(path, $$"""
            version: 1
            role: web
            cluster: {{cluster}}
            node: {id: web-1, instance_id: i-web-1, address: "{{address}}", state_dir: "{{dir.Combine("state")}}", shutdown_timeout: 5s}
            {{stack.AwsYaml(bucket)}}
            status: {listen: "{{address}}:9780"}
            queue: {wait_time: 1s, signing_key: process-test-key}
            web:
              {{TestKeys.PublishKeyYaml}}
              root: "{{root}}"
              port: {{port}}
              min_free_space: 1MB
              server: {command: {{NginxConfig.CommandYaml(conf)}}}
              apps:
                - name: shop
                  repository: {type: git, url: "{{repo}}"}
            {{hooks}}
            """);
        return path;
    }

    [Fact]
    public async Task Agent_CatchesUpAtBoot_BeforeNginxStarts_ThenDeploysWithWait_RollsBack_AndStopsNginxOnSigterm()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("proc");
        using var dir = new TempDir();
        var address = LoopbackPorts.NextAddress();
        var port = LoopbackPorts.Free(address);
        var repo = GitRepo.Create(dir.Combine("repo"));
        repo.Commit("index.html", "v1");
        var cluster = "proc-" + Guid.NewGuid().ToString("N")[..6];
        var file = UserData(stack, bucket, dir, cluster, address, port, repo.Path);
        var (publishCode, publishOut, publishErr) = await AgentProcess.RunAsync(["deploy", "--app", "shop", "--revision", "main", "--user-data", file], TimeSpan.FromSeconds(60));
        Assert.True(publishCode == 0, publishOut + publishErr);
        Assert.Contains("sequence 1 (main) published", publishOut);
        Assert.Contains("nudged 0 node(s)", publishOut);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var site = new Uri($"http://{address}:{port}/index.html");

        await using var agent = AgentProcess.Start(["run", "--user-data", file]);
        await agent.WaitReadyAsync(StatusEndpoint.Healthz(address), TimeSpan.FromSeconds(45));
        var atBoot = await http.GetStringAsync(site);
        var log = agent.StandardOutput;
        var catchUpDone = log.IndexOf("deploy catch-up done", StringComparison.Ordinal);
        var serverStarted = log.IndexOf("\"EventId\":3201", StringComparison.Ordinal);

        repo.Commit("index.html", "v2");
        var (code, stdout, stderr) = await AgentProcess.RunAsync(["deploy", "--app", "shop", "--revision", "main", "--wait", "--timeout", "60s", "--user-data", file], TimeSpan.FromSeconds(90));
        var afterDeploy = await http.GetStringAsync(site);
        var (_, releases, _) = await AgentProcess.RunAsync(["releases", "shop", "--user-data", file], TimeSpan.FromSeconds(30));
        var (rollbackCode, rollbackOut, rollbackErr) = await AgentProcess.RunAsync(["rollback", "shop", "--user-data", file], TimeSpan.FromSeconds(30));
        var afterRollback = await http.GetStringAsync(site);

        agent.Signal(PosixSignal.SIGTERM);
        var exited = await agent.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal("v1", atBoot);
        Assert.True(catchUpDone > 0 && serverStarted > catchUpDone, $"catch-up at {catchUpDone}, web server start at {serverStarted}");
        Assert.True(code == 0, $"deploy --wait exited {code}\n{stdout}\n{stderr}\n{agent.StandardOutput}");
        Assert.Contains("web-1", stdout);
        Assert.Contains("all 1 node(s) succeeded", stdout);
        Assert.Equal("v2", afterDeploy);
        Assert.Matches(@"current\s+\d{8}T\d{9}-2-", releases);
        Assert.Matches(@"previous\s+\d{8}T\d{9}-1-", releases);
        Assert.True(rollbackCode == 0, rollbackOut + rollbackErr);
        Assert.Equal("v1", afterRollback);
        Assert.True(exited, "the agent did not stop after SIGTERM");
        Assert.Equal(0, agent.ExitCode);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.GetStringAsync(site));
        Assert.False(File.Exists(dir.Combine("nginx", "nginx.pid")), "nginx is still running");
    }

    [Fact]
    public async Task DeployWait_ExitsWithOperationFailed_WhenTheNodeRollsBack()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("procfail");
        using var dir = new TempDir();
        var address = LoopbackPorts.NextAddress();
        var port = LoopbackPorts.Free(address);
        var repo = GitRepo.Create(dir.Combine("repo"));
        repo.Commit("index.html", "good");
        var cluster = "pf-" + Guid.NewGuid().ToString("N")[..6];
        var file = UserData(stack, bucket, dir, cluster, address, port, repo.Path, """
                  hooks:
                    validate: {command: [sh, -c, "! grep -q broken index.html"], timeout: 10s}
            """);
        await AgentProcess.RunAsync(["deploy", "--app", "shop", "--revision", "main", "--user-data", file], TimeSpan.FromSeconds(60));
        await using var agent = AgentProcess.Start(["run", "--user-data", file]);
        await agent.WaitReadyAsync(StatusEndpoint.Healthz(address), TimeSpan.FromSeconds(45));
        repo.Commit("index.html", "broken");

        var (code, stdout, _) = await AgentProcess.RunAsync(["deploy", "--app", "shop", "--revision", "main", "--wait", "--timeout", "60s", "--user-data", file], TimeSpan.FromSeconds(90));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };

        Assert.Equal(7, code);
        Assert.Contains("rolled_back", stdout);
        Assert.Contains("FAILED", stdout);
        Assert.Equal("good", await http.GetStringAsync($"http://{address}:{port}/index.html"));
    }

    [Fact]
    public async Task WebServer_ThatDies_IsRestartedByTheAgent()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("procws");
        using var dir = new TempDir();
        var address = LoopbackPorts.NextAddress();
        var port = LoopbackPorts.Free(address);
        var repo = GitRepo.Create(dir.Combine("repo"));
        repo.Commit("index.html", "alive");
        var cluster = "ws-" + Guid.NewGuid().ToString("N")[..6];
        var file = UserData(stack, bucket, dir, cluster, address, port, repo.Path);
        await AgentProcess.RunAsync(["deploy", "--app", "shop", "--revision", "main", "--user-data", file], TimeSpan.FromSeconds(60));
        await using var agent = AgentProcess.Start(["run", "--user-data", file]);
        await agent.WaitReadyAsync(StatusEndpoint.Healthz(address), TimeSpan.FromSeconds(45));
        var firstPid = int.Parse(File.ReadAllText(dir.Combine("nginx", "nginx.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

        // nginx exits (SIGTERM: a fast shutdown that takes its workers along) without the agent asking.
        System.Diagnostics.Process.Start("kill", ["-TERM", firstPid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        string? body = null;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                body = await http.GetStringAsync($"http://{address}:{port}/index.html");
                var pidFile = dir.Combine("nginx", "nginx.pid");
                if (File.Exists(pidFile) && File.ReadAllText(pidFile).Trim() != firstPid.ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
                body = null;
            }

            await Task.Delay(200);
        }

        Assert.Equal("alive", body);
        Assert.Contains("\"EventId\":3203", agent.StandardOutput);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(agent.StandardOutput, "\"EventId\":3201").Count);
    }
}
