using System.Net;
using System.Text;
using Amazon.S3;
using NodeAgent.Instance;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Instance;

/// <summary>
/// The launch hook with the real agent binary booting from the instance metadata stand-in (user-data, identity and the
/// group/hook names in instance tags), completing on the signature-checking Auto Scaling stand-in.
/// </summary>
public sealed class LaunchHookAgentTests
{
    private const string Group = "web-asg";
    private const string Hook = "launch";

    private sealed record Launch(ImdsStandIn Imds, AutoScalingStandIn AutoScaling, IPAddress Address) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await AutoScaling.DisposeAsync();
            await Imds.DisposeAsync();
        }
    }

    private static async Task<Launch> StartAsync(string instanceId, byte[] userData)
    {
        var imds = await ImdsStandIn.StartAsync();
        var address = LoopbackPorts.NextAddress();
        imds.InstanceId = instanceId;
        imds.LocalIpv4 = address.ToString();
        imds.UserData = userData;
        imds.Region = LocalStack.Region;
        imds.Tags[LifecycleHooks.GroupTag] = Group;
        imds.Tags[LifecycleHooks.LaunchHookTag] = Hook;
        var autoScaling = await AutoScalingStandIn.StartAsync();
        autoScaling.BeginAction(Group, Hook, instanceId);
        return new Launch(imds, autoScaling, address);
    }

    private static byte[] WebUserData(LocalStack stack, string bucket, TempDir dir, string cluster, IPAddress address, string repo, Uri autoScaling)
        => Encoding.UTF8.GetBytes($$"""
            version: 1
            role: web
            cluster: {{cluster}}
            node: {id: web-l1, state_dir: "{{dir.Combine("state")}}", shutdown_timeout: 3s}
            {{stack.AwsYaml(bucket)}}
            status: {listen: "{{StatusEndpoint.Listen(address)}}"}
            queue: {wait_time: 1s}
            lifecycle: {endpoint: "{{autoScaling}}", heartbeat_timeout: 3s}
            web:
              {{TestKeys.PublishKeyYaml}}
              root: "{{dir.Combine("srv")}}"
              min_free_space: 1MB
              apps:
                - name: shop
                  repository: {type: git, url: "{{repo}}"}
            """);

    private static AgentProcess StartAgent(Launch launch, Dictionary<string, string>? environment = null)
        => AgentProcess.Start(["run", "--imds-endpoint", launch.Imds.Endpoint.ToString()], new AgentStartOptions { Environment = environment });

    [Fact]
    public async Task Launch_CompletesWithContinue_OnlyOnceTheNodeIsReadyAndRegistered()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("launch");
        using var dir = new TempDir();
        var cluster = "launch-" + Guid.NewGuid().ToString("N")[..6];
        var repo = GitRepo.Create(dir.Combine("repo"));
        repo.Commit("index.html", "v1");
        await using var launch = await StartAsync("i-0launch00000001", []);
        launch.Imds.UserData = WebUserData(stack, bucket, dir, cluster, launch.Address, repo.Path, launch.AutoScaling.Endpoint);
        var (code, stdout, stderr) = await AgentProcess.RunAsync(["deploy", "--app", "shop", "--revision", "main", "--user-data", WriteFile(dir, launch.Imds.UserData)], TimeSpan.FromSeconds(60));
        Assert.True(code == 0, stdout + stderr);
        using var s3 = stack.S3(bucket);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        var seenAtContinue = new List<string>();
        launch.AutoScaling.OnCall = async call =>
        {
            if (call.Action == "CompleteLifecycleAction")
            {
                using var healthz = await http.GetAsync(StatusEndpoint.Healthz(launch.Address));
                seenAtContinue.Add($"healthz {(int)healthz.StatusCode}");
                var listed = await s3.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = bucket, Prefix = $"{cluster}/nodes/web/" });
                seenAtContinue.Add($"registered {(listed.S3Objects ?? []).Any(o => o.Key.EndsWith("/web-l1.json", StringComparison.Ordinal))}");
                seenAtContinue.Add($"served {File.Exists(dir.Combine("srv", "shop", "current", "index.html"))}");
            }
        };

        await using var agent = StartAgent(launch);
        var completed = await launch.AutoScaling.WaitForAsync("i-0launch00000001", c => c.Action == "CompleteLifecycleAction", TimeSpan.FromSeconds(90));

        Assert.Equal("CONTINUE", completed.Result);
        Assert.Equal(["healthz 200", "registered True", "served True"], seenAtContinue);
        Assert.Single(launch.AutoScaling.Calls, c => c.Action == "CompleteLifecycleAction");
        Assert.Empty(launch.AutoScaling.Rejected);
        Assert.False(agent.HasExited);
    }

    [Fact]
    public async Task Launch_WithUserDataThatIsNotValid_AbandonsTheHook_NamedByTheInstanceTags()
    {
        await using var launch = await StartAsync("i-0launch00000002", Encoding.UTF8.GetBytes("version: 1\nrole: wizard\ncluster: Not_A_Name\n"));

        var (code, stdout, stderr) = await RunToExitAsync(launch, new() { [NodeAgent.AutoScaling.AutoScalingClient.EndpointVariable] = launch.AutoScaling.Endpoint.ToString() });

        Assert.True(code == 3, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("role", stderr);
        var call = Assert.Single(launch.AutoScaling.AcceptedFor("i-0launch00000002"));
        Assert.Equal(("CompleteLifecycleAction", Group, Hook, "ABANDON"), (call.Action, call.Group, call.Hook, call.Result));
        Assert.Empty(launch.AutoScaling.Rejected);
    }

    [Fact]
    public async Task Launch_WithoutInstanceTags_AndBadUserData_CannotNameTheHook_AndSaysSo()
    {
        await using var launch = await StartAsync("i-0launch00000003", Encoding.UTF8.GetBytes("not: [valid"));
        launch.Imds.TagsEnabled = false;

        var (code, stdout, stderr) = await RunToExitAsync(launch, new() { [NodeAgent.AutoScaling.AutoScalingClient.EndpointVariable] = launch.AutoScaling.Endpoint.ToString() });

        Assert.Equal(3, code);
        Assert.Empty(launch.AutoScaling.Calls);
        Assert.Contains("\"EventId\":7661", stdout + stderr);
        Assert.True(launch.AutoScaling.IsWaiting(Group, Hook, "i-0launch00000003"));
    }

    [Fact]
    public async Task Launch_WhoseCatchUpFails_AbandonsTheHook()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("launch");
        using var dir = new TempDir();
        var cluster = "launch-" + Guid.NewGuid().ToString("N")[..6];
        var repo = GitRepo.Create(dir.Combine("repo"));
        repo.Commit("index.html", "v1");
        await using var launch = await StartAsync("i-0launch00000004", []);
        launch.Imds.UserData = WebUserData(stack, bucket, dir, cluster, launch.Address, repo.Path, launch.AutoScaling.Endpoint);
        var (code, stdout, stderr) = await AgentProcess.RunAsync(["deploy", "--app", "shop", "--revision", "main", "--user-data", WriteFile(dir, launch.Imds.UserData)], TimeSpan.FromSeconds(60));
        Assert.True(code == 0, stdout + stderr);
        // The repository is gone: the boot catch-up cannot check the desired release out, and the node has none to serve.
        Directory.Delete(repo.Path, recursive: true);

        (code, stdout, stderr) = await RunToExitAsync(launch);

        Assert.True(code == 5, $"exit {code}\n{stdout}\n{stderr}");
        var call = Assert.Single(launch.AutoScaling.AcceptedFor("i-0launch00000004"));
        Assert.Equal(("CompleteLifecycleAction", "ABANDON"), (call.Action, call.Result));
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunToExitAsync(Launch launch, Dictionary<string, string>? environment = null)
    {
        await using var agent = StartAgent(launch, environment);
        Assert.True(await agent.WaitForExitAsync(TimeSpan.FromSeconds(150)), $"the agent did not exit:\n{agent.StandardOutput}\n{agent.StandardError}");
        return (agent.ExitCode, agent.StandardOutput, agent.StandardError);
    }

    private static string WriteFile(TempDir dir, byte[] userData)
    {
        var path = dir.Combine("user-data.yaml");
        File.WriteAllBytes(path, userData);
        return path;
    }
}
