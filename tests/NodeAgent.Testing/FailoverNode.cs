using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Dns;
using NodeAgent.Dns.Failover;
using NodeAgent.Dns.Registration;
using NodeAgent.Dns.Rfc2136;
using NodeAgent.Roles.Lb.Configuration;
using NodeAgent.Status;
using Prometheus;

namespace NodeAgent.Testing;

/// <summary>
/// One lb node's failover logic in-process: the real <see cref="FailoverCoordinator"/> over the real RFC 2136
/// provider against a BIND server, with a scripted holder probe and the caller's clock. For fast tests of the state
/// machine and for the claim race.
/// </summary>
public sealed class FailoverNode : IDisposable
{
    public FailoverNode(BindServer bind, string nodeId, IPAddress address, TimeProvider time, LbFailoverConfig? failover = null, IClaimGate? gate = null)
    {
        NodeId = nodeId;
        Address = address;
        Config = new AgentConfig
        {
            Role = "lb",
            Cluster = "race",
            Aws = new AwsSection { Region = "us-east-1", Bucket = "unused" },
            Dns = new DnsSection { Zone = bind.Zone, Provider = DnsProviderKind.Rfc2136, Rfc2136 = bind.Config(), Ttl = 30 },
            RoleSection = new LbSection
            {
                HttpBind = new IPEndPoint(address, 8080),
                AllowedNetworks = [],
                Backends = [],
                Failover = failover ?? new LbFailoverConfig(),
            },
        };
        var identity = new NodeIdentity { Cluster = "race", Role = "lb", NodeId = nodeId, InstanceId = $"i-{nodeId}", Address = address, Source = "test" };
        Provider = new Rfc2136Provider(bind.Zone, bind.Config(), TimeSpan.FromSeconds(5), TimeProvider.System, NullLogger<Rfc2136Provider>.Instance);
        Readiness = new ReadinessState(time);
        Metrics = Prometheus.Metrics.NewCustomRegistry();
        Coordinator = new FailoverCoordinator(Provider, Probe, Config.Section<LbSection>().Failover.ClaimSettings, Config, identity, new FixedAddress(address), State, Readiness,
            new DnsMetrics(Prometheus.Metrics.WithCustomRegistry(Metrics)), time, Logger, gate);
    }

    public string NodeId { get; }

    public IPAddress Address { get; }

    public AgentConfig Config { get; }

    public Rfc2136Provider Provider { get; }

    public ScriptedProbe Probe { get; } = new();

    public FailoverState State { get; } = new();

    public ReadinessState Readiness { get; }

    public CollectorRegistry Metrics { get; }

    public ListLogger<FailoverCoordinator> Logger { get; } = new();

    public FailoverCoordinator Coordinator { get; }

    public Task<FailoverRole> RunOnceAsync() => Coordinator.RunOnceAsync(CancellationToken.None);

    public void Dispose() => Provider.Dispose();

    private sealed class FixedAddress(IPAddress address) : INodeAddressSource
    {
        public ValueTask<IPAddress> GetAsync(CancellationToken cancellationToken) => ValueTask.FromResult(address);
    }
}

/// <summary>A claim gate whose answer the test sets; records what it was asked.</summary>
public sealed class ScriptedGate : IClaimGate
{
    private readonly List<ClaimAttempt> _asked = [];

    public bool Allow { get; set; }

    public IReadOnlyList<ClaimAttempt> Asked => _asked;

    public Task<ClaimVerdict> DecideAsync(ClaimAttempt attempt, CancellationToken cancellationToken)
    {
        lock (_asked)
        {
            _asked.Add(attempt);
        }

        return Task.FromResult(Allow ? ClaimVerdict.Allow("scripted: yes") : ClaimVerdict.Deny("scripted: not this node"));
    }
}

/// <summary>A holder probe whose answer the test sets; counts calls.</summary>
public sealed class ScriptedProbe : IHolderProbe
{
    private int _calls;

    public bool Healthy { get; set; } = true;

    public int Calls => _calls;

    public Task<HolderProbeResult> ProbeAsync(string holderNodeId, IPAddress? holderAddress, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return Task.FromResult(new HolderProbeResult(Healthy, Healthy ? "scripted: healthy" : $"scripted: {holderNodeId} at {holderAddress} is down"));
    }
}
