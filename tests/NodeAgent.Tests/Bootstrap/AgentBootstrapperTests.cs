using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Roles;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Bootstrap;

public sealed class AgentBootstrapperTests
{
    private const string WebDoc = """
        version: 1
        role: web
        cluster: demo
        aws: {region: us-east-1, bucket: my-bucket}
        web:
          publish_key: "ed25519:SeAWcppPXD9lmyacL74Hht47dZ+igMofKyAH9u2NcKw="
          apps: [{name: shop, repository: {type: git, url: /srv/git/shop}}]
        """;

    [Fact]
    public async Task Load_FromImds_TakesIdentityFromInstanceMetadata()
    {
        await using var imds = await ImdsStandIn.StartAsync();
        imds.UserData = UserDataDecoderTests.Gzip(Encoding.UTF8.GetBytes(WebDoc));
        using var client = new ImdsClient(new ImdsOptions { Endpoint = imds.Endpoint, RequestTimeout = TimeSpan.FromSeconds(10), TotalTimeout = TimeSpan.FromSeconds(30) }, NullLogger.Instance);
        var bootstrapper = new AgentBootstrapper(new ImdsUserDataSource(client, imds.Endpoint), BuiltInRoles.Catalog().SectionReaders, new FixedHostFacts(null));

        var boot = await bootstrapper.LoadAsync(CancellationToken.None);

        Assert.Equal("i-0123456789abcdef0", boot.Identity.InstanceId);
        Assert.Equal("i-0123456789abcdef0", boot.Identity.NodeId);
        Assert.Equal("127.0.0.42", boot.Identity.Address.ToString());
        Assert.Equal("us-east-1a", boot.Identity.AvailabilityZone);
        Assert.StartsWith("instance metadata http://127.0.0.1:", boot.Identity.Source);
    }

    [Fact]
    public async Task Load_FromFileWithoutAddress_RefusesAndNamesTheField()
    {
        using var dir = new TempDir();
        var file = dir.Combine("user-data.yaml");
        await File.WriteAllTextAsync(file, WebDoc);
        var bootstrapper = new AgentBootstrapper(new FileUserDataSource(file), BuiltInRoles.Catalog().SectionReaders, new FixedHostFacts("m-abc"));

        var ex = await Assert.ThrowsAsync<ConfigException>(() => bootstrapper.LoadAsync(CancellationToken.None));

        Assert.Contains(ex.Errors, e => e.Path == "node.address" && e.Message.Contains("comes from a file"));
    }

    [Fact]
    public async Task Load_FromFile_UsesMachineIdAsInstanceIdAndNodeIdOverride()
    {
        using var dir = new TempDir();
        var file = dir.Combine("user-data.yaml");
        await File.WriteAllTextAsync(file, WebDoc + "\nnode: {id: web-7, address: 127.0.0.9}\n");
        var bootstrapper = new AgentBootstrapper(new FileUserDataSource(file), BuiltInRoles.Catalog().SectionReaders, new FixedHostFacts("m-abc"));

        var boot = await bootstrapper.LoadAsync(CancellationToken.None);

        Assert.Equal("m-abc", boot.Identity.InstanceId);
        Assert.Equal("web-7", boot.Identity.NodeId);
        Assert.Equal($"file {file}", boot.Identity.Source);
    }

    [Fact]
    public async Task Load_MissingFile_SaysSo()
    {
        var bootstrapper = new AgentBootstrapper(new FileUserDataSource("/nonexistent/user-data"), BuiltInRoles.Catalog().SectionReaders, new FixedHostFacts(null));

        var ex = await Assert.ThrowsAsync<UserDataUnavailableException>(() => bootstrapper.LoadAsync(CancellationToken.None));

        Assert.Contains("/nonexistent/user-data does not exist", ex.Message);
    }

    private sealed class FixedHostFacts(string? machineId) : IHostFacts
    {
        public string? MachineId() => machineId;
    }
}
