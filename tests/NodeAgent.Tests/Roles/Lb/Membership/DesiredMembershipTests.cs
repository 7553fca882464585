using NodeAgent.Configuration;
using NodeAgent.Registry;
using NodeAgent.Roles;
using NodeAgent.Roles.Lb.Configuration;
using NodeAgent.Roles.Lb.Haproxy;
using NodeAgent.Roles.Lb.Membership;

namespace NodeAgent.Tests.Roles.Lb.Membership;

public sealed class DesiredMembershipTests
{
    private static readonly LbSection Lb = AgentConfigReader.Read("""
        version: 1
        role: lb
        cluster: c1
        aws: {region: us-east-1, bucket: my-bucket}
        lb:
          http_bind: 127.0.0.1:8080
          allowed_cidrs: [10.0.0.0/16, "fd00::/8"]
          backends:
            - app: shop
            - app: blog
              port: 9000
        """, "test", BuiltInRoles.Catalog().SectionReaders).Section<LbSection>();

    private static RegistryEntry Entry(string node, string address, string health = NodeHealth.Healthy, bool stale = false, int? port = 80, params string[] apps)
    {
        var record = new NodeRecord
        {
            Cluster = "c1",
            Role = "web",
            NodeId = node,
            InstanceId = "i",
            Address = address,
            Health = health,
            Ports = port is { } p ? new Dictionary<string, int> { ["http"] = p } : new Dictionary<string, int>(),
            Apps = (apps.Length == 0 ? ["shop"] : apps).ToDictionary(a => a, _ => new AppStatus()),
            StartedAt = DateTimeOffset.UtcNow,
            HeartbeatAt = DateTimeOffset.UtcNow,
        };
        return new RegistryEntry($"c1/nodes/web/{node}.json", record, TimeSpan.FromSeconds(1), stale);
    }

    [Fact]
    public void From_TakesLiveHealthyNodesInsideTheAllowedNetworks_PerAppTheyServe()
    {
        var desired = DesiredMembership.From(new RegistryListing(
        [
            Entry("web-1", "10.0.1.1", apps: ["shop", "blog"]),
            Entry("web-2", "fd00::2"),
            Entry("web-3", "10.0.1.3", NodeHealth.Starting),
            Entry("web-4", "10.0.1.4", NodeHealth.Draining),
            Entry("web-5", "10.0.1.5", stale: true),
            Entry("web-6", "10.0.1.6", apps: ["wiki"]),
        ], []), Lb);

        Assert.Equal(
            ["blog/web-1@10.0.1.1:9000", "shop/web-1@10.0.1.1:80", "shop/web-2@fd00::2:80"],
            desired.Servers.Select(s => $"{s.Key}@{s.Address}:{s.Port}").Order(StringComparer.Ordinal));
        Assert.Empty(desired.Excluded);
    }

    [Fact]
    public void From_ExcludesAddressesOutsideAllowedCidrs_WithTheReason()
    {
        var desired = DesiredMembership.From(new RegistryListing([Entry("web-x", "192.168.1.10"), Entry("web-y", "::ffff:10.0.0.7")], []), Lb);

        Assert.Equal(new ServerKey("shop", "web-y"), Assert.Single(desired.Servers).Key);
        var excluded = Assert.Single(desired.Excluded);
        Assert.Equal("c1/nodes/web/web-x.json", excluded.Key);
        Assert.Equal("address 192.168.1.10 is outside lb.allowed_cidrs (10.0.0.0/16, fd00::/8)", excluded.Reason);
    }

    [Fact]
    public void From_ExcludesANodeWithoutAPortForTheApp_AndPassesOnRejectedObjects()
    {
        var desired = DesiredMembership.From(new RegistryListing(
            [Entry("web-1", "10.0.1.1", port: null, apps: ["shop", "blog"])],
            [new RegistryReject("c1/nodes/web/bad.json", "malformed JSON: x")]), Lb);

        Assert.Equal(new ServerKey("blog", "web-1"), Assert.Single(desired.Servers).Key);
        Assert.Contains(desired.Excluded, e => e.Reason.Contains("serves shop but registers no 'http' port", StringComparison.Ordinal));
        Assert.Contains(desired.Excluded, e => e.Key == "c1/nodes/web/bad.json" && e.Reason == "malformed JSON: x");
    }
}
