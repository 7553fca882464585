using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Dns;
using NodeAgent.Dns.Exec;
using NodeAgent.Dns.Failover;
using NodeAgent.Dns.Registration;
using NodeAgent.Processes;
using NodeAgent.Registry;
using NodeAgent.Roles.Lb.Configuration;
using NodeAgent.Roles.Lb.Failover;
using NodeAgent.Status;
using NodeAgent.Testing;
using Prometheus;

namespace NodeAgent.Tests.Roles.Lb.Failover;

/// <summary>The failover startup task: the peer must be able to probe this node, and the first round runs at boot.</summary>
public sealed class ClaimSharedNameTaskTests
{
    private static readonly IPAddress NodeAddress = IPAddress.Parse("10.0.0.5");

    private static (ClaimSharedNameTask Task, FailoverState State, NodeStatusBoard Board) Create(string statusListen, string httpBind)
    {
        var config = new AgentConfig
        {
            Role = "lb",
            Cluster = "c",
            Aws = new AwsSection { Region = "us-east-1", Bucket = "unused" },
            Status = new StatusSection { Listen = IPEndPoint.Parse(statusListen) },
            Dns = new DnsSection { Zone = "shop.internal", Provider = DnsProviderKind.Exec, Exec = new ExecProviderConfig { Command = ["/bin/true"] } },
            RoleSection = new LbSection { HttpBind = IPEndPoint.Parse(httpBind), AllowedNetworks = [], Backends = [] },
        };
        var identity = new NodeIdentity { Cluster = "c", Role = "lb", NodeId = "lb1", InstanceId = "i-1", Address = NodeAddress, Source = "test" };

        // /bin/true as the exec provider: every read finds the name free, every update applies.
        var provider = new ExecDnsProvider("shop.internal", config.Dns.Exec!, new CliWrapProcessRunner(), NullLogger<ExecDnsProvider>.Instance);
        var state = new FailoverState();
        var coordinator = new FailoverCoordinator(provider, new ScriptedProbe(), config.Section<LbSection>().Failover.ClaimSettings, config, identity, new IdentityAddressSource(identity), state,
            new ReadinessState(TimeProvider.System), new DnsMetrics(Metrics.WithCustomRegistry(Metrics.NewCustomRegistry())), TimeProvider.System,
            NullLogger<FailoverCoordinator>.Instance);
        var board = new NodeStatusBoard();
        return (new ClaimSharedNameTask(coordinator, config.Section<LbSection>(), config, identity, board, NullLogger<ClaimSharedNameTask>.Instance), state, board);
    }

    [Theory]
    [InlineData("127.0.0.1:9780", "0.0.0.0:80", "status.listen is 127.0.0.1:9780, which the peer lb cannot reach at this node's address 10.0.0.5")]
    [InlineData("0.0.0.0:9780", "127.0.0.1:8080", "lb.http_bind is 127.0.0.1:8080, which the peer lb cannot reach at this node's address 10.0.0.5; set it to 10.0.0.5:8080 or 0.0.0.0:8080")]
    public async Task Run_WhenThePeerCouldNotProbeThisNode_RefusesToStartNamingTheSetting(string statusListen, string httpBind, string message)
    {
        var (task, state, _) = Create(statusListen, httpBind);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => task.RunAsync(CancellationToken.None));

        Assert.Contains(message, ex.Message);
        Assert.Equal(FailoverRole.Unknown, state.Role);
    }

    [Fact]
    public async Task Run_WithReachableBinds_ClaimsAFreeNameAndPublishesTheHttpPort()
    {
        var (task, state, board) = Create("0.0.0.0:9780", "10.0.0.5:8080");

        await task.RunAsync(CancellationToken.None);

        Assert.Equal(FailoverRole.Active, state.Role);
        Assert.Equal(8080, board.Ports["http"]);
    }
}
