using System.Net;
using Microsoft.Extensions.Time.Testing;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Dns;
using NodeAgent.Dns.Registration;
using NodeAgent.Registry;
using NodeAgent.Status;
using NodeAgent.Testing;
using Prometheus;

namespace NodeAgent.Tests.Dns;

/// <summary>A node's own record against a real BIND: register, follow an address change, deregister only its own.</summary>
[Collection(DnsCollection.Name)]
public sealed class DnsRegistrarTests
{
    private sealed class MovableAddress(IPAddress address) : INodeAddressSource
    {
        public IPAddress Address { get; set; } = address;

        public ValueTask<IPAddress> GetAsync(CancellationToken cancellationToken) => ValueTask.FromResult(Address);
    }

    private sealed record Harness(DnsRegistrar Registrar, MovableAddress Address, ReadinessState Readiness, NodeStatusBoard Board, ListLogger<DnsRegistrar> Logger);

    private static Harness Create(BindServer bind, IDnsProvider provider, string role, string nodeId, IPAddress address, string? record = null)
    {
        var config = new AgentConfig
        {
            Role = role,
            Cluster = "reg",
            Aws = new AwsSection { Region = "us-east-1", Bucket = "unused" },
            Dns = new DnsSection { Zone = bind.Zone, Provider = DnsProviderKind.Rfc2136, Rfc2136 = bind.Config(), Ttl = 45, RecordName = record },
        };
        var identity = new NodeIdentity { Cluster = "reg", Role = role, NodeId = nodeId, InstanceId = "i-1", Address = address, Source = "test" };
        var source = new MovableAddress(address);
        var readiness = new ReadinessState(new FakeTimeProvider());
        var board = new NodeStatusBoard();
        var logger = new ListLogger<DnsRegistrar>();
        var metrics = new DnsMetrics(Metrics.WithCustomRegistry(Metrics.NewCustomRegistry()));
        return new Harness(new DnsRegistrar(provider, config, identity, source, readiness, board, metrics, logger), source, readiness, board, logger);
    }

    [Fact]
    public async Task Ensure_RegistersTheNodesARecordWithTheConfiguredTtl_AndNamesItOnTheStatusBoard()
    {
        await using var bind = await BindServer.StartAsync();
        using var dns = Rfc2136ProviderTests.Provider(bind);
        var node = Create(bind, dns, "web", "web-1", IPAddress.Parse("10.0.2.1"));

        var wrote = await node.Registrar.EnsureAsync(CancellationToken.None);

        Assert.True(wrote);
        Assert.Equal($"web-1.{bind.Zone}", node.Registrar.Name);
        var records = await dns.ReadAsync(node.Registrar.Name, CancellationToken.None);
        Assert.Equal([IPAddress.Parse("10.0.2.1")], records.Addresses);
        Assert.Equal(45, records.Ttl);
        Assert.Equal(node.Registrar.Name, node.Board.DnsName);
        Assert.True(node.Readiness.Snapshot().Ready);
        Assert.False(await node.Registrar.EnsureAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Ensure_AfterTheAddressChanged_ReplacesTheRecord()
    {
        await using var bind = await BindServer.StartAsync();
        using var dns = Rfc2136ProviderTests.Provider(bind);
        var node = Create(bind, dns, "db", "db", IPAddress.Parse("10.0.2.5"));
        await node.Registrar.EnsureAsync(CancellationToken.None);

        node.Address.Address = IPAddress.Parse("10.0.2.6");
        var wrote = await node.Registrar.EnsureAsync(CancellationToken.None);

        Assert.True(wrote);
        Assert.Equal([IPAddress.Parse("10.0.2.6")], (await dns.ReadAsync($"db.{bind.Zone}", CancellationToken.None)).Addresses);
        Assert.Contains(node.Logger.Entries, e => e.EventId == 5001 && e.Message.Contains("A 10.0.2.6") && e.Message.Contains("was A 10.0.2.5"));
    }

    [Fact]
    public async Task Deregister_RemovesTheRecord_ButLeavesItWhenAnotherNodeHasTakenTheName()
    {
        await using var bind = await BindServer.StartAsync();
        using var dns = Rfc2136ProviderTests.Provider(bind);
        var first = Create(bind, dns, "lb", "lb1", IPAddress.Parse("10.0.2.1"));
        var second = Create(bind, dns, "lb", "lb1-replacement", IPAddress.Parse("10.0.2.2"), record: "lb1");
        var other = Create(bind, dns, "lb", "lb2", IPAddress.Parse("10.0.2.3"));
        await first.Registrar.EnsureAsync(CancellationToken.None);
        await second.Registrar.EnsureAsync(CancellationToken.None);
        await other.Registrar.EnsureAsync(CancellationToken.None);

        await first.Registrar.DeregisterAsync(CancellationToken.None);
        await other.Registrar.DeregisterAsync(CancellationToken.None);

        Assert.Equal([IPAddress.Parse("10.0.2.2")], (await dns.ReadAsync($"lb1.{bind.Zone}", CancellationToken.None)).Addresses);
        Assert.True((await dns.ReadAsync($"lb2.{bind.Zone}", CancellationToken.None)).IsEmpty);
        Assert.True(first.Logger.Has(5006));
        Assert.True(other.Logger.Has(5005));
    }

    [Fact]
    public async Task ReportFailure_MakesTheNodeNotReadyWithTheReasonAndTheRetry()
    {
        await using var bind = await BindServer.StartAsync();
        using var dns = Rfc2136ProviderTests.Provider(bind);
        var node = Create(bind, dns, "web", "web-1", IPAddress.Parse("10.0.2.1"));
        await bind.StopAsync();

        var ex = await Assert.ThrowsAsync<DnsProviderException>(() => node.Registrar.EnsureAsync(CancellationToken.None));
        node.Registrar.ReportFailure(ex, TimeSpan.FromSeconds(4));

        var check = node.Readiness.Snapshot().Checks.Single();
        Assert.False(check.Ready);
        Assert.StartsWith($"cannot register web-1.{bind.Zone}: ", check.Detail);
        Assert.Contains($"no answer from the DNS server 127.0.0.1:{bind.Port}", check.Detail);
        Assert.EndsWith("(1 failed attempt; retrying in 4 s)", check.Detail);
        Assert.True(node.Logger.Has(5002));
    }
}
