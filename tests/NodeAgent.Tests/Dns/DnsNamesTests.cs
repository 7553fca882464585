using System.Net;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Dns;
using NodeAgent.Roles.Lb;
using NodeAgent.Roles.Lb.Configuration;

namespace NodeAgent.Tests.Dns;

public sealed class DnsNamesTests
{
    [Theory]
    [InlineData("lb", "lb1", null, "lb1")]
    [InlineData("lb", "lb-2", null, "lb-2")]
    [InlineData("web", "web-3", null, "web-3")]
    [InlineData("db", "db", null, "db")]
    [InlineData("web", "i-0abc123DEF", null, "web-i-0abc123def")]
    [InlineData("web", "Web_1", null, "web-web-1")]
    [InlineData("lb", "lb", null, "lb-lb")]
    [InlineData("web", "i-0abc", "shop-1", "shop-1")]
    public void RecordLabel_FollowsTheRoleAndNodeId_UnlessConfigured(string role, string nodeId, string? configured, string expected)
    {
        var config = new AgentConfig
        {
            Role = role,
            Cluster = "c",
            Aws = new AwsSection { Region = "us-east-1", Bucket = "unused" },
            Dns = new DnsSection { Zone = "shop.internal", Provider = DnsProviderKind.Exec, RecordName = configured },

            // An lb node always has its section; with failover on (the default) it claims the shared label "lb".
            RoleSection = role == LbRole.RoleName
                ? new LbSection { HttpBind = new IPEndPoint(IPAddress.Loopback, 80), AllowedNetworks = [], Backends = [] }
                : null,
        };
        var identity = new NodeIdentity { Cluster = "c", Role = role, NodeId = nodeId, InstanceId = "i", Address = IPAddress.Loopback, Source = "t" };

        Assert.Equal(expected, DnsNames.RecordLabel(config, identity));
    }

    [Fact]
    public void ToLabel_KeepsAtMost63Characters()
        => Assert.Equal(63, DnsNames.ToLabel(new string('a', 100)).Length);
}
