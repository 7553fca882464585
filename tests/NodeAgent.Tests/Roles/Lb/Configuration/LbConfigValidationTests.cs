using NodeAgent.Configuration;
using NodeAgent.Roles;
using NodeAgent.Roles.Lb.Configuration;
using NodeAgent.Roles.Web.Configuration;

namespace NodeAgent.Tests.Roles.Lb.Configuration;

/// <summary>The lb and web-health settings this issue added: every bad value is named with its path.</summary>
public sealed class LbConfigValidationTests
{
    private const string Lb = """
        version: 1
        role: lb
        cluster: demo
        aws: {region: us-east-1, bucket: my-bucket}
        lb:
          http_bind: 127.0.0.1:8080
          allowed_cidrs: [127.0.0.0/8]
          backends:
            - app: shop
              hosts: [shop.test]
            - app: blog
              hosts: [blog.test]
        """;

    private const string Web = """
        version: 1
        role: web
        cluster: demo
        aws: {region: us-east-1, bucket: my-bucket}
        web:
          publish_key: "ed25519:SeAWcppPXD9lmyacL74Hht47dZ+igMofKyAH9u2NcKw="
          health: {path: /healthz}
          apps:
            - name: shop
              repository: {type: git, url: /srv/git/shop}
        """;

    public static TheoryData<string, string, string, string> InvalidCases() => new()
    {
        { "unknown apply mode", Lb.Replace("  backends:", "  apply: hot\n  backends:"), "lb.apply", "expected one of runtime_api, reload" },
        { "negative drain timeout", Lb.Replace("  backends:", "  drain_timeout: -1s\n  backends:"), "lb.drain_timeout", "expected a duration" },
        { "host routed to two apps", Lb.Replace("hosts: [blog.test]", "hosts: [shop.test]"), "lb.backends", "host 'shop.test' is routed to more than one app (shop, blog)" },
        { "check path with a quote", Lb.Replace("      hosts: [shop.test]", "      hosts: [shop.test]\n      check: {path: \"/it's\"}"), "lb.backends[0].check.path", "an absolute URL path" },
        { "sync interval below a second", Lb.Replace("  backends:", "  sync_interval: 100ms\n  backends:"), "lb.sync_interval", "between 1s and 1h" },
        { "balance that cannot take runtime servers", Lb.Replace("hosts: [blog.test]", "hosts: [blog.test]\n      balance: static-rr"), "lb.backends[1].balance", "expected one of roundrobin, leastconn, source, first" },
        { "web health rise zero", Web.Replace("{path: /healthz}", "{path: /healthz, rise: 0}"), "web.health.rise", "between 1 and 100" },
        { "web health path with a space", Web.Replace("{path: /healthz}", "{path: \"/health z\"}"), "web.health.path", "an absolute URL path" },
    };

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void Read_RejectsTheValue_NamingItsPath(string name, string document, string path, string message)
    {
        var ex = Assert.Throws<ConfigException>(() => AgentConfigReader.Read(document, name, BuiltInRoles.Catalog().SectionReaders));

        Assert.Contains(ex.Errors, e => e.Path == path && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Read_Defaults_AreRuntimeApiWithATenSecondDrain_AndNoWebCheckUnlessConfigured()
    {
        var lb = AgentConfigReader.Read(Lb, "lb", BuiltInRoles.Catalog().SectionReaders).Section<LbSection>();
        var web = AgentConfigReader.Read(Web.Replace("  health: {path: /healthz}\n", string.Empty), "web", BuiltInRoles.Catalog().SectionReaders).Section<WebSection>();

        Assert.Equal(LbApplyMode.RuntimeApi, lb.Apply);
        Assert.Equal(TimeSpan.FromSeconds(10), lb.DrainTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), lb.SyncInterval);
        Assert.Null(web.Health);
    }
}
