using NodeAgent.Cli;
using NodeAgent.Hosting;
using NodeAgent.Messaging;
using NodeAgent.Registry;
using NodeAgent.Roles;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Web.Deploy;

/// <summary>The deploy-related commands, in-process (argument checks) and as the real binary (retire).</summary>
public sealed class DeployCliTests
{
    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await NodeAgentCli.RunAsync(args, new CliContext(BuiltInRoles.Catalog(), stdout, stderr) { GetEnvironment = _ => null });
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData("--app", "../etc", "--app must be a lower-case name")]
    [InlineData("--revision", "../../etc/passwd", "--revision '../../etc/passwd'")]
    [InlineData("--timeout", "soon", "--timeout expects a duration")]
    [InlineData("--cluster", "Bad_Cluster", "--cluster must be")]
    public async Task Deploy_WithABadArgument_ExitsTwoNamingIt_BeforeTouchingAnything(string option, string value, string error)
    {
        var args = new List<string> { "deploy", "--app", "shop", "--user-data", "/nonexistent.yaml" };
        var at = args.IndexOf(option);
        if (at >= 0)
        {
            args[at + 1] = value;
        }
        else
        {
            args.AddRange([option, value]);
        }

        var (code, _, stderr) = await RunAsync([.. args]);

        Assert.Equal(2, code);
        Assert.Contains(error, stderr);
    }

    [Fact]
    public async Task Rollback_OfAnAppThisNodeDoesNotServe_ExitsSevenNamingIt()
    {
        var (code, _, stderr) = await RunAsync("rollback", "wiki", "--user-data", Path.Combine(RepoPaths.Examples, "web.yaml"));

        Assert.Equal(7, code);
        Assert.Contains("app 'wiki' is not configured on this node", stderr);
    }

    [Fact]
    public async Task Retire_RemovesTheRegistryEntryAndTheNodesQueueAndDeadLetterQueue()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("retire");
        using var dir = new TempDir();
        var cluster = "ret-" + Guid.NewGuid().ToString("N")[..6];
        var file = UserDataFiles.Web(stack, bucket, dir, cluster, "web-1", LoopbackPorts.NextAddress());
        await using var services = stack.Services(bucket);
        var queues = stack.Queue(services);
        var address = await queues.EnsureQueueAsync(QueueNames.ForNode(cluster, "web-1"), new QueueSettings { MaxReceiveCount = 3 }, CancellationToken.None);
        await stack.Store(services).PutAsync(RegistryKeys.Node(cluster, "web", "web-1"), "{}"u8.ToArray(), null, CancellationToken.None);

        var (code, stdout, stderr) = await AgentProcess.RunAsync(["retire", "--user-data", file], TimeSpan.FromSeconds(60));

        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("dead-letter queue", stdout);
        Assert.Null(await stack.Store(services).HeadAsync(RegistryKeys.Node(cluster, "web", "web-1"), CancellationToken.None));
        await Assert.ThrowsAnyAsync<Exception>(() => queues.ApproximateCountAsync(address.Url, CancellationToken.None));
        await Assert.ThrowsAnyAsync<Exception>(() => queues.ApproximateCountAsync(address.DeadLetterUrl!, CancellationToken.None));
    }
}
