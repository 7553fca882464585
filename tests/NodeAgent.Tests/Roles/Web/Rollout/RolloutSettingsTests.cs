using NodeAgent.Configuration;
using NodeAgent.Notifications;
using NodeAgent.Roles;
using NodeAgent.Roles.Web.Configuration;
using NodeAgent.Roles.Web.Rollout;

namespace NodeAgent.Tests.Roles.Web.Rollout;

public sealed class RolloutSettingsTests
{
    private static readonly IReadOnlyCollection<IRoleSectionReader> Roles = BuiltInRoles.Catalog().SectionReaders;

    private const string Web = """
        version: 1
        role: web
        cluster: demo
        aws: {region: us-east-1, bucket: my-bucket}
        web:
          publish_key: "ed25519:SeAWcppPXD9lmyacL74Hht47dZ+igMofKyAH9u2NcKw="
          apps:
            - name: shop
              repository: {type: git, url: "https://git.example.com/shop.git"}
        """;

    [Fact]
    public void Read_WithoutRollout_IsAllAtOnce()
    {
        var config = AgentConfigReader.Read(Web, "test", Roles);

        Assert.Equal(RolloutStrategy.AllAtOnce, config.Section<WebSection>().Apps[0].Rollout.Strategy);
        Assert.True(config.Notifications.IsEmpty);
    }

    [Fact]
    public void Read_Rollout_TakesEveryKey()
    {
        var config = AgentConfigReader.Read(Web + "\n      rollout: {strategy: canary, canary: 10%, batch_size: 25%, min_healthy: 2, bake: 90s, min_healthy_time: 10s, auto_revert: false, gates: {error_rate: 0.5%, response_time: 3x, min_requests: 50}}", "test", Roles);

        var r = config.Section<WebSection>().Apps[0].Rollout;
        Assert.Equal(RolloutStrategy.Canary, r.Strategy);
        Assert.Equal(new RolloutAmount(10, true), r.Canary);
        Assert.Equal(new RolloutAmount(25, true), r.BatchSize);
        Assert.Equal(RolloutAmount.Count(2), r.MinHealthy);
        Assert.Equal(TimeSpan.FromSeconds(90), r.Bake);
        Assert.False(r.AutoRevert);
        Assert.Equal(0.005, r.Gates.ErrorRate, 6);
        Assert.Equal(3.0, r.Gates.ResponseTime);
        Assert.Equal(50, r.Gates.MinRequests);
    }

    [Theory]
    [InlineData("{strategy: blue_green}", "web.apps[0].rollout.strategy", "all_at_once")]
    [InlineData("{batch_size: 0}", "web.apps[0].rollout.batch_size", "a count such as 2")]
    [InlineData("{batch_size: 150%}", "web.apps[0].rollout.batch_size", "a share such as 25%")]
    [InlineData("{min_healthy: -1}", "web.apps[0].rollout.min_healthy", "at least 0")]
    [InlineData("{bake: forever}", "web.apps[0].rollout.bake", "")]
    [InlineData("{gates: {error_rate: 1}}", "web.apps[0].rollout.gates.error_rate", "such as 1%")]
    [InlineData("{gates: {response_time: 0.5x}}", "web.apps[0].rollout.gates.response_time", "1x to 1000x")]
    [InlineData("{gates: {p99: 2x}}", "web.apps[0].rollout.gates.p99", "")]
    [InlineData("{stratgy: rolling}", "web.apps[0].rollout.stratgy", "strategy")]
    [InlineData("{auto_revert: maybe}", "web.apps[0].rollout.auto_revert", "")]
    public void Read_BadRollout_NamesTheKey(string rollout, string path, string fragment)
    {
        var ex = Assert.Throws<ConfigException>(() => AgentConfigReader.Read(Web + "\n      rollout: " + rollout, "test", Roles));

        var error = Assert.Single(ex.Errors, e => e.Path == path);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Notifications_TakesWebhooksAndExec_AndNeverShowsTheSecret()
    {
        var config = AgentConfigReader.Read(Web + "\nnotifications:\n  webhooks:\n    - {url: \"https://hooks.example.com/n?token=x\", secret: s3cr3t-value, events: [deploy.*, lb.failover]}\n  exec:\n    - {command: [/usr/local/bin/page, --team, web]}\n  retry: {base_delay: 1s, max_delay: 1m, max_attempts: 20}", "test", Roles);

        var hook = Assert.Single(config.Notifications.Webhooks);
        Assert.Equal(["deploy.*", "lb.failover"], hook.Events);
        Assert.DoesNotContain("s3cr3t", hook.Secret.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("token", hook.Display, StringComparison.Ordinal);
        Assert.Single(config.Notifications.Exec);
        Assert.Equal(20, config.Notifications.Retry.MaxAttempts);
    }

    [Theory]
    [InlineData("webhooks:\n    - {url: \"ftp://x.example.com/\", secret: s}", "notifications.webhooks[0].url", "")]
    [InlineData("webhooks:\n    - {url: \"https://x.example.com/\"}", "notifications.webhooks[0].secret", "is required")]
    [InlineData("webhooks:\n    - {url: \"https://u:p@x.example.com/\", secret: s}", "notifications.webhooks[0].url", "")]
    [InlineData("webhooks:\n    - {url: \"https://x.example.com/\", secret: s, events: [deploy.exploded]}", "notifications.webhooks[0].events[0]", "names no event")]
    [InlineData("exec:\n    - {command: []}", "notifications.exec[0].command", "")]
    [InlineData("retri: {}", "notifications.retri", "")]
    public void Read_BadNotifications_NamesTheKey(string section, string path, string fragment)
    {
        var ex = Assert.Throws<ConfigException>(() => AgentConfigReader.Read(Web + "\nnotifications:\n  " + section, "test", Roles));

        Assert.True(ex.Errors.Any(e => e.Path == path && e.Message.Contains(fragment, StringComparison.Ordinal)),
            string.Join("\n", ex.Errors.Select(e => $"{e.Path}: {e.Message}")));
    }

    [Fact]
    public void Read_BadNotifications_NeverEchoesTheSecret()
    {
        var ex = Assert.Throws<ConfigException>(() => AgentConfigReader.Read(Web + "\nnotifications:\n  webhooks:\n    - {url: \"ftp://x.example.com/\", secret: sup3rs3cret}", "test", Roles));

        Assert.DoesNotContain("sup3rs3cret", ex.Message, StringComparison.Ordinal);
        Assert.True(NotificationEventTypes.IsPattern("deploy.*"));
    }
}
