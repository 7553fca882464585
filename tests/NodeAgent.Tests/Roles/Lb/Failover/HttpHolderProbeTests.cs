using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Configuration;
using NodeAgent.Dns.Failover;
using NodeAgent.Registry;
using NodeAgent.Roles;
using NodeAgent.Roles.Lb.Configuration;
using NodeAgent.Roles.Lb.Failover;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Lb.Failover;

public sealed class HttpHolderProbeTests
{
    [Fact]
    public async Task Probe_NeedsBothTheAgentAndTheProxyToAnswer()
    {
        var address = LoopbackPorts.NextAddress();
        var (statusPort, httpPort) = (LoopbackPorts.Free(address), LoopbackPorts.Free(address));
        var config = AgentConfigReader.Read($$"""
            version: 1
            role: lb
            cluster: probe
            aws: {region: us-east-1, bucket: probe-bucket}
            status: {listen: "{{address}}:{{statusPort}}"}
            dns: {zone: probe.test, provider: exec, exec: {command: [/bin/false]} }
            lb: {http_bind: "{{address}}:{{httpPort}}", allowed_cidrs: [127.0.0.0/8], backends: [{app: shop}]}
            """, "test", BuiltInRoles.Catalog().SectionReaders);
        using var probe = new HttpHolderProbe(new EmptyRegistry(), config.Section<LbSection>(), config, TimeProvider.System, NullLogger<HttpHolderProbe>.Instance);

        var neither = await probe.ProbeAsync("lb1", address, CancellationToken.None);
        await using var agent = await HttpStandIn.StartAsync(new IPEndPoint(address, statusPort));
        var agentOnly = await probe.ProbeAsync("lb1", address, CancellationToken.None);
        await using var proxy = await HttpStandIn.StartAsync(new IPEndPoint(address, httpPort));
        var both = await probe.ProbeAsync("lb1", address, CancellationToken.None);

        Assert.False(neither.Healthy);
        Assert.False(agentOnly.Healthy);
        Assert.Contains($"agent http://{address}:{statusPort}/healthz: 200", agentOnly.Detail);
        Assert.Contains($"proxy http://{address}:{httpPort}/:", agentOnly.Detail);
        Assert.True(both.Healthy, both.Detail);
        Assert.Equal(1, proxy.Requests);
    }

    private sealed class EmptyRegistry : INodeRegistry
    {
        public Task PutAsync(NodeRecord record, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task DeleteAsync(string cluster, string role, string nodeId, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<RegistryListing> ListAsync(string cluster, string? role, CancellationToken cancellationToken)
            => Task.FromResult(new RegistryListing([], []));
    }
}
