using NodeAgent.Configuration;
using NodeAgent.Roles;
using NodeAgent.Roles.Lb.Configuration;

namespace NodeAgent.Tests.Dns;

/// <summary>User-data validation of the dns section and the lb failover settings.</summary>
public sealed class DnsConfigTests
{
    private static readonly IReadOnlyCollection<IRoleSectionReader> Roles = BuiltInRoles.Catalog().SectionReaders;

    private const string Lb = """
        version: 1
        role: lb
        cluster: demo
        aws: {region: us-east-1, bucket: my-bucket}
        dns:
          zone: shop.internal
          provider: rfc2136
          rfc2136: {server: 10.0.0.53, key_name: nodeagent, key_secret: "c2VjcmV0LXNlY3JldC1zZWNyZXQ="}
        lb:
          http_bind: 0.0.0.0:80
          allowed_cidrs: [10.0.0.0/16]
          backends: [{app: shop}]
          failover: {interval: 2s, fall: 2, min_hold: 30s, lease: 15s}
        """;

    public static TheoryData<string, string, string, string> InvalidCases() => new()
    {
        { "record is the shared lb name", Lb.Replace("  provider: rfc2136", "  provider: rfc2136\n  record: lb"), "dns.record", "the lb pair's shared name" },
        { "record with a dot", Lb.Replace("  provider: rfc2136", "  provider: rfc2136\n  record: lb1.x"), "dns.record", "a DNS label" },
        { "unknown provider", Lb.Replace("provider: rfc2136", "provider: bind"), "dns.provider", "one of rfc2136, route53, exec" },
        { "settings of another provider", Lb.Replace("provider: rfc2136", "provider: exec\n  exec: {command: [/usr/local/bin/dns]}"), "dns.rfc2136", "is set but provider is exec" },
        { "secret not base64", Lb.Replace("\"c2VjcmV0LXNlY3JldC1zZWNyZXQ=\"", "\"not base64!\""), "dns.rfc2136.key_secret", "base64 secret that tsig-keygen prints" },
        { "unsupported TSIG algorithm", Lb.Replace("key_name: nodeagent,", "key_name: nodeagent, key_algorithm: hmac-md5,"), "dns.rfc2136.key_algorithm", "one of hmac-sha256, hmac-sha512" },
        { "ttl zero", Lb.Replace("  provider: rfc2136", "  provider: rfc2136\n  ttl: 0"), "dns.ttl", "between 1 and 86400" },
        { "check interval too short", Lb.Replace("  provider: rfc2136", "  provider: rfc2136\n  check_interval: 100ms"), "dns.check_interval", "between 1s and" },
        { "route53 zone id lower-case", Lb.Replace("provider: rfc2136", "provider: route53\n  route53: {hosted_zone_id: z123}").Replace("  rfc2136: {server: 10.0.0.53, key_name: nodeagent, key_secret: \"c2VjcmV0LXNlY3JldC1zZWNyZXQ=\"}\n", string.Empty), "dns.route53.hosted_zone_id", "hosted zone id" },
        { "exec without command", Lb.Replace("provider: rfc2136", "provider: exec\n  exec: {timeout: 5s}").Replace("  rfc2136: {server: 10.0.0.53, key_name: nodeagent, key_secret: \"c2VjcmV0LXNlY3JldC1zZWNyZXQ=\"}\n", string.Empty), "dns.exec.command", "is required" },
        { "fall zero", Lb.Replace("fall: 2", "fall: 0"), "lb.failover.fall", "between 1 and 100" },
        { "lease not longer than interval", Lb.Replace("lease: 15s", "lease: 2s"), "lb.failover.lease", "longer than interval" },
        { "interval too short", Lb.Replace("interval: 2s", "interval: 10ms"), "lb.failover.interval", "between 200ms and" },
    };

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void Read_WhenTheDnsSettingsAreInvalid_NamesTheFieldAndWhatWasExpected(string name, string document, string path, string fragment)
    {
        var ex = Assert.Throws<ConfigException>(() => AgentConfigReader.Read(document, "test", Roles));

        Assert.True(
            ex.Errors.Any(e => e.Path == path && e.Message.Contains(fragment, StringComparison.Ordinal)),
            $"case '{name}': expected an error at '{path}' containing '{fragment}', got:{Environment.NewLine}{ex.Message}");
    }

    [Fact]
    public void Read_AValidDnsSection_HasTheDocumentedDefaults()
    {
        var config = AgentConfigReader.Read(Lb, "test", Roles);

        Assert.Equal(60, config.Dns!.Ttl);
        Assert.Equal(TimeSpan.FromSeconds(60), config.Dns.CheckInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), config.Dns.Timeout);
        Assert.Equal(53, config.Dns.Rfc2136!.Port);
        Assert.Equal("lb", config.Section<LbSection>().Failover.Name);
    }
}
