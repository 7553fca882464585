using NodeAgent.Configuration;
using NodeAgent.Roles;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Configuration;

public sealed class LifecycleSectionTests
{
    private static readonly IReadOnlyCollection<IRoleSectionReader> Roles = BuiltInRoles.Catalog().SectionReaders;

    private const string Web = $$"""
        version: 1
        role: web
        cluster: demo
        aws: {region: us-east-1, bucket: my-bucket}
        web:
          {{TestKeys.PublishKeyYaml}}
          apps:
            - name: shop
              repository: {type: git, url: "https://git.example.com/shop.git"}
        """;

    [Fact]
    public void Defaults_FollowTheUserDataSource_PollEvery5s_AndOnlyReportRebalancing()
    {
        var lifecycle = AgentConfigReader.Read(Web, "test", Roles).Lifecycle;

        Assert.Null(lifecycle.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(5), lifecycle.PollInterval);
        Assert.Equal(RebalanceMode.Report, lifecycle.Rebalance);
        Assert.True(lifecycle.InstanceTags);
        Assert.Null(lifecycle.Group);
    }

    [Fact]
    public void Read_TakesEveryKey()
    {
        var lifecycle = AgentConfigReader.Read(Web + """

            lifecycle:
              enabled: true
              poll_interval: 2s
              group: shop-web
              launch_hook: launch
              termination_hook: nodeagent/terminate
              heartbeat_timeout: 2m
              termination_timeout: 20m
              launch_timeout: 10m
              rebalance: drain
              instance_tags: false
              endpoint: http://127.0.0.1:4000/
            """, "test", Roles).Lifecycle;

        Assert.Equal(new LifecycleSection
        {
            Enabled = true,
            PollInterval = TimeSpan.FromSeconds(2),
            Group = "shop-web",
            LaunchHook = "launch",
            TerminationHook = "nodeagent/terminate",
            HeartbeatTimeout = TimeSpan.FromMinutes(2),
            TerminationTimeout = TimeSpan.FromMinutes(20),
            LaunchTimeout = TimeSpan.FromMinutes(10),
            Rebalance = RebalanceMode.Drain,
            InstanceTags = false,
            Endpoint = new Uri("http://127.0.0.1:4000/"),
        }, lifecycle);
    }

    [Fact]
    public void Read_ReportsEveryBadKeyWithItsPath()
    {
        var ex = Assert.Throws<ConfigException>(() => AgentConfigReader.Read(Web + """

            lifecycle:
              group: "arn:aws:autoscaling:eu-west-1:1:autoScalingGroup"
              termination_hook: "has space"
              rebalance: panic
              poll_interval: 10ms
              endpoint: ftp://x/
              colour: blue
            """, "test", Roles));

        foreach (var path in new[] { "lifecycle.group", "lifecycle.termination_hook", "lifecycle.rebalance", "lifecycle.poll_interval", "lifecycle.endpoint", "lifecycle.colour" })
        {
            Assert.Contains(ex.Errors, e => e.Path == path);
        }
    }
}
