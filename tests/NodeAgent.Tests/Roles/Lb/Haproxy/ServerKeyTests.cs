using System.Net;
using NodeAgent.Roles.Lb.Haproxy;

namespace NodeAgent.Tests.Roles.Lb.Haproxy;

public sealed class ServerKeyTests
{
    [Theory]
    [InlineData("shop", "web-1")]
    [InlineData("blog_2", "i-0abc.web")]
    public void ToString_ThenParse_RoundTrips(string app, string node)
    {
        var key = new ServerKey(app, node);

        var text = key.ToString();

        Assert.Equal($"{app}/{node}", text);
        Assert.Equal(key, ServerKey.Parse(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("shop")]
    [InlineData("/web-1")]
    [InlineData("shop/")]
    [InlineData("shop/web-1/x")]
    public void TryParse_RefusesAnythingButAppSlashNode(string text)
    {
        Assert.False(ServerKey.TryParse(text, out _));
        Assert.Throws<FormatException>(() => ServerKey.Parse(text));
    }

    [Fact]
    public void HaproxyNames_AreTheBackendAndServerPath()
    {
        var key = new ServerKey("shop", "web-1");

        Assert.Equal(("be_shop", "be_shop/web-1"), (key.Backend, key.Path));
        Assert.Equal("shop", ServerKey.AppOf("be_shop"));
        Assert.Null(ServerKey.AppOf("stats"));
    }

    [Fact]
    public void Of_KeysServersOfOurBackendsOnly()
    {
        Assert.Equal(new ServerKey("shop", "web-1"), ServerKey.Of("be_shop", "web-1"));
        Assert.Null(ServerKey.Of("fe_http", "web-1"));
    }

    [Fact]
    public void ServerStateAndHaproxyServer_OfTheSameServer_HaveTheSameKey()
    {
        var running = new ServerState("be_shop", "web-1", 1, "10.0.0.1", 80, 2, 0);
        var configured = new HaproxyServer("shop", "web-1", IPAddress.Parse("10.0.0.1"), 80, 1);

        Assert.Equal(configured.Key, running.Key);
        Assert.Null(new ServerState("stats", "web-1", 1, "10.0.0.1", 80, 2, 0).Key);
        Assert.Equal("be_shop/web-1", configured.Path);
    }
}
