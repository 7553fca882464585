using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Configuration;
using NodeAgent.Processes;
using NodeAgent.Roles;
using NodeAgent.Roles.Lb.Configuration;
using NodeAgent.Roles.Lb.Haproxy;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Lb.Haproxy;

public sealed class HaproxyConfigRendererTests
{
    private static LbSection Section(string lb)
        => AgentConfigReader.Read($"""
            version: 1
            role: lb
            cluster: shop-prod
            aws: {"{"}region: us-east-1, bucket: my-bucket{"}"}
            lb:
            {lb}
            """, "test", BuiltInRoles.Catalog().SectionReaders).Section<LbSection>();

    private const string Full = """
          http_bind: 127.0.0.1:8080
          https_bind: 127.0.0.1:8443
          certificate: CERT
          allowed_cidrs: [127.0.0.0/8]
          log: {file: /var/log/haproxy/access.log}
          default_backend: blog
          backends:
            - app: shop
              hosts: [shop.test, www.shop.test]
              check: {path: /healthz, host: shop.test, interval: 2s, timeout: 1s, rise: 3, fall: 4, port: 8081}
            - app: blog
              hosts: [blog.test]
              balance: source
              cookie: SRVID
            - app: api
              balance: first
              port: 9000
        """;

    private static readonly HaproxyMembership Servers = new(
    [
        new HaproxyServer("shop", "web-1", IPAddress.Parse("10.0.1.5"), 80, 1),
        new HaproxyServer("shop", "web-2", IPAddress.Parse("10.0.1.6"), 80, 2),
        new HaproxyServer("blog", "web-1", IPAddress.Parse("10.0.1.5"), 80, 1),
    ]);

    [Fact]
    public void Render_WritesFrontendsWithHostRules_AndOneBackendPerApp()
    {
        var text = HaproxyConfigRenderer.Render(Section(Full.Replace("CERT", "/etc/tls/shop.pem")), new HaproxyPaths("/var/lib/nodeagent/haproxy"), Servers, "shop-prod");

        Assert.Contains("    stats socket '/var/lib/nodeagent/haproxy/admin.sock' mode 600 level admin expose-fd listeners", text);
        Assert.Contains("    server-state-file '/var/lib/nodeagent/haproxy/server-state'", text);
        Assert.Contains("    load-server-state-from-file global", text);
        Assert.Contains("    log 'unix@/var/lib/nodeagent/haproxy/log.sock' len 8192 format raw local0 info", text);
        Assert.Contains("frontend fe_http\n    bind 127.0.0.1:8080\n", text);
        Assert.Contains("frontend fe_https\n    bind 127.0.0.1:8443 ssl crt '/etc/tls/shop.pem'\n", text);
        Assert.Contains("    use_backend be_shop if { req.hdr(host),field(1,:),lower -m str shop.test www.shop.test }", text);
        Assert.Contains("    use_backend be_blog if { req.hdr(host),field(1,:),lower -m str blog.test }", text);
        Assert.Contains("    default_backend be_blog", text);
        Assert.Contains("    http-check send meth GET uri '/healthz' ver HTTP/1.1 hdr Host shop.test hdr User-Agent nodeagent-haproxy-check", text);
        Assert.Contains("backend be_blog\n    balance source\n    hash-type consistent\n", text);
        Assert.Contains("    cookie SRVID insert indirect nocache httponly dynamic\n    dynamic-cookie-key 'nodeagent-shop-prod-blog'", text);
        Assert.Contains("backend be_api\n    balance first\n", text);
        Assert.Contains("    server web-2 10.0.1.6:80 id 2 weight 100 check inter 2000ms fastinter 2000ms downinter 2000ms rise 3 fall 4 on-marked-down shutdown-sessions pool-purge-delay 1s port 8081", text);
        Assert.DoesNotContain("default-server", text);
    }

    [Fact]
    public void ServerArguments_SpellOutEveryOption_BecauseDefaultServerDoesNotApplyToRuntimeServers()
    {
        var backend = Section(Full.Replace("CERT", "/etc/tls/shop.pem")).Backends[0];

        var args = HaproxyConfigRenderer.ServerArguments(backend, new HaproxyServer("shop", "web-9", IPAddress.Parse("10.0.1.9"), 8080, 7));

        Assert.Equal(
            "10.0.1.9:8080 id 7 weight 100 check inter 2000ms fastinter 2000ms downinter 2000ms rise 3 fall 4 on-marked-down shutdown-sessions pool-purge-delay 1s port 8081",
            string.Join(' ', args));
    }

    [Fact]
    public void Render_IsDeterministic()
    {
        var section = Section(Full.Replace("CERT", "/etc/tls/shop.pem"));
        var paths = new HaproxyPaths("/x");

        Assert.Equal(HaproxyConfigRenderer.Render(section, paths, Servers, "c1"), HaproxyConfigRenderer.Render(section, paths, Servers, "c1"));
    }

    [Fact]
    public void Render_RefusesADirectoryThatWouldBreakQuoting()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            HaproxyConfigRenderer.Render(Section(Full.Replace("CERT", "/etc/tls/it's.pem")), new HaproxyPaths("/x"), Servers, "c1"));

        Assert.Contains("cannot be written into the HAProxy configuration", ex.Message);
    }

    [Fact]
    public void Paths_RefuseSocketPathsLongerThanTheKernelAllows()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new HaproxyPaths("/" + new string('d', 120)));

        Assert.Contains("set lb.haproxy_dir to a shorter directory", ex.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GeneratedConfig_IsAcceptedByHaproxy26(bool syslog)
    {
        using var dir = new TempDir();
        var pem = await TestCertificate.CreatePemAsync(dir, "shop.test");
        var lb = Full.Replace("CERT", pem);
        if (syslog)
        {
            lb = lb.Replace("log: {file: /var/log/haproxy/access.log}", "log: {syslog: 127.0.0.1:514}");
        }

        var section = Section(lb);
        var paths = new HaproxyPaths(dir.Combine("haproxy"));
        Directory.CreateDirectory(paths.Directory);
        await File.WriteAllTextAsync(paths.Config, HaproxyConfigRenderer.Render(section, paths, Servers, "shop-prod"));
        await File.WriteAllTextAsync(paths.ServerState, "1\n");
        var process = new HaproxyProcess(section, paths, new CliWrapProcessRunner(), new HaproxySocketRuntime(paths), NullLogger<HaproxyProcess>.Instance);

        await process.ValidateAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Validate_ReportsHaproxysOwnReason_ForAMissingCertificate()
    {
        using var dir = new TempDir();
        var section = Section(Full.Replace("CERT", dir.Combine("missing.pem")));
        var paths = new HaproxyPaths(dir.Combine("haproxy"));
        Directory.CreateDirectory(paths.Directory);
        await File.WriteAllTextAsync(paths.Config, HaproxyConfigRenderer.Render(section, paths, Servers, "shop-prod"));
        var process = new HaproxyProcess(section, paths, new CliWrapProcessRunner(), new HaproxySocketRuntime(paths), NullLogger<HaproxyProcess>.Instance);

        var ex = await Assert.ThrowsAsync<HaproxyConfigException>(() => process.ValidateAsync(CancellationToken.None));

        Assert.Contains("missing.pem", ex.Message);
    }
}
