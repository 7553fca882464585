using System.Net;
using System.Text;
using NodeAgent.Cli;
using NodeAgent.Hosting;
using NodeAgent.Registry;
using NodeAgent.Roles;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Cli;

public sealed class ClusterStatusTests
{
    [Fact]
    public async Task StatusCluster_PrintsEveryNodeFromTheRegistry_AndTheLbNodesHaproxyView()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("status");
        using var dir = new TempDir();
        await using var services = stack.Services(bucket);
        var registry = new S3NodeRegistry(stack.Store(services), new NodeAgent.Configuration.RegistrySection(), TimeProvider.System);
        var now = DateTimeOffset.UtcNow;
        await registry.PutAsync(Record("web", "web-1", "10.0.1.5", NodeHealth.Healthy, now) with
        {
            Apps = new Dictionary<string, AppStatus> { ["shop"] = new() { Release = "r-42" }, ["blog"] = new() },
        }, CancellationToken.None);
        await registry.PutAsync(Record("web", "web-2", "10.0.1.6", NodeHealth.Healthy, now - TimeSpan.FromMinutes(10)), CancellationToken.None);
        await registry.PutAsync(Record("lb", "lb-1", "10.0.0.10", NodeHealth.Healthy, now) with
        {
            Balancer = new BalancerView
            {
                Servers =
                [
                    new BalancerServer { App = "shop", Server = "web-1", Address = "10.0.1.5", Port = 80, State = "up" },
                    new BalancerServer { App = "shop", Server = "web-2", Address = "10.0.1.6", Port = 80, State = "down" },
                ],
            },
        }, CancellationToken.None);
        await stack.Store(services).PutAsync("fleet/nodes/web/web-9.json", Encoding.UTF8.GetBytes("not json"), null, CancellationToken.None);
        var file = dir.Combine("web.yaml");
        await File.WriteAllTextAsync(file, $"""
            version: 1
            role: web
            cluster: other
            node: {"{"}id: ops-1, instance_id: i-ops-1, address: 127.0.0.1, state_dir: {dir.Combine("state")}{"}"}
            {stack.AwsYaml(bucket)}
            web:
              publish_key: "ed25519:SeAWcppPXD9lmyacL74Hht47dZ+igMofKyAH9u2NcKw="
              apps:
                - name: shop
                  repository: {"{"}type: git, url: /srv/git/shop{"}"}
            """);
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var code = await NodeAgentCli.RunAsync(["status", "--cluster", "fleet", "--user-data", file],
            new CliContext(BuiltInRoles.Catalog(), stdout, stderr) { GetEnvironment = _ => null });

        var text = stdout.ToString();
        Assert.True(code == 0, stderr.ToString());
        Assert.Contains("cluster fleet: 3 node(s) (1 lb, 2 web)", text);
        Assert.Matches(@"ROLE\s+NODE\s+ADDRESS\s+HEALTH\s+HEARTBEAT\s+APPS", text);
        Assert.Matches(@"lb\s+lb-1\s+10\.0\.0\.10\s+healthy\s+\d+s\s+-", text);
        Assert.Matches(@"web\s+web-1\s+10\.0\.1\.5\s+healthy\s+\d+s\s+blog@-, shop@r-42", text);
        Assert.Matches(@"web\s+web-2\s+10\.0\.1\.6\s+healthy\s+10m0\ds \(stale\)", text);
        Assert.Contains("HAProxy on lb-1 (running, 2 server(s)):", text);
        Assert.Matches(@"shop\s+web-2\s+10\.0\.1\.6:80\s+down", text);
        Assert.Contains("fleet/nodes/web/web-9.json: malformed JSON", text);
    }

    [Fact]
    public async Task StatusCluster_WithABadClusterName_ExitsTwoAndSaysWhy()
    {
        using var dir = new TempDir();
        var file = dir.Combine("web.yaml");
        await File.WriteAllTextAsync(file, $$"""
            version: 1
            role: web
            cluster: demo
            node: {id: ops-1, instance_id: i-ops-1, address: 127.0.0.1, state_dir: {{dir.Combine("state")}}}
            aws: {region: us-east-1, bucket: my-bucket}
            web:
              publish_key: "ed25519:SeAWcppPXD9lmyacL74Hht47dZ+igMofKyAH9u2NcKw="
              apps:
                - name: shop
                  repository: {type: git, url: /srv/git/shop}
            """);
        var stderr = new StringWriter();

        var code = await NodeAgentCli.RunAsync(["status", "--cluster", "Bad_Name", "--user-data", file],
            new CliContext(BuiltInRoles.Catalog(), new StringWriter(), stderr) { GetEnvironment = _ => null });

        Assert.Equal(2, code);
        Assert.Contains("--cluster: expected a lower-case name", stderr.ToString());
    }

    [Theory]
    [InlineData(5, "5s")]
    [InlineData(65, "1m05s")]
    [InlineData(3 * 3600 + 120, "3h02m")]
    [InlineData(5 * 86400, "5d")]
    public void Age_IsShortAndHuman(int seconds, string expected)
        => Assert.Equal(expected, ClusterStatusTable.Age(TimeSpan.FromSeconds(seconds)));

    private static NodeRecord Record(string role, string id, string address, string health, DateTimeOffset heartbeat) => new()
    {
        Cluster = "fleet",
        Role = role,
        NodeId = id,
        InstanceId = "i-" + id,
        Address = IPAddress.Parse(address).ToString(),
        Health = health,
        StartedAt = heartbeat,
        HeartbeatAt = heartbeat,
    };
}
