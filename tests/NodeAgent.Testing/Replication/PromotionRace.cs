using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Dns;
using NodeAgent.Dns.Failover;
using NodeAgent.Dns.Registration;
using NodeAgent.Dns.Rfc2136;
using NodeAgent.Registry;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Engines;
using NodeAgent.Roles.Db.Replication;
using NodeAgent.Status;

namespace NodeAgent.Testing.Replication;

/// <summary>
/// Two replicas decide at the same moment whether to take over from a dead primary: each runs the real failover round
/// (<see cref="FailoverCoordinator"/> over RFC 2136 against one BIND, with the db role's <see cref="DbHolderProbe"/> and
/// <see cref="DbClaimGate"/>, over its own provider and TCP connection), then the real <see cref="ReplicationPlanner"/>
/// decides whether it promotes. A trial passes when exactly one node would promote and DNS holds exactly that node's
/// address and lease (the dead holder's epoch + 1). Trials cycle through: equal positions (the lower node id is the most
/// caught-up), each unable to see the other (both think they are best: the compare-and-swap decides), the second node
/// ahead, and a lapsed lease with the holder's server dead. Shared by the CI test and bench/replica.
/// </summary>
public static class PromotionRace
{
    public static async Task<PromotionRaceResult> RunAsync(BindServer bind, int trials, Action<string>? log = null)
    {
        var registry = new InMemoryRegistry();
        var (portA, portB) = (LoopbackPorts.Free(), LoopbackPorts.Free());
        await using var agentA = await HttpStandIn.StartAsync(new IPEndPoint(IPAddress.Loopback, portA));
        await using var agentB = await HttpStandIn.StartAsync(new IPEndPoint(IPAddress.Loopback, portB));
        using var a = new Racer(bind, registry, "db-a", IPAddress.Parse("10.9.1.1"));
        using var b = new Racer(bind, registry, "db-b", IPAddress.Parse("10.9.1.2"));
        await a.RegisterAsync(portA);
        await b.RegisterAsync(portB);
        using var admin = new Rfc2136Provider(bind.Zone, bind.Config(), TimeSpan.FromSeconds(5), TimeProvider.System, NullLogger<Rfc2136Provider>.Instance);
        var name = a.Coordinator.Name;
        var failed = 0;
        var promotions = new Dictionary<string, int> { ["db-a"] = 0, ["db-b"] = 0 };
        var clock = Stopwatch.StartNew();
        for (var trial = 0; trial < trials; trial++)
        {
            var kind = trial % 4;
            var epoch = 1000L + trial;
            var now = DateTimeOffset.UtcNow;
            var lease = kind == 3
                ? new LeaseRecord(ScriptedReplicationEngine.DeadHolder, epoch, now.AddMinutes(-5), now.AddMinutes(-1))
                : new LeaseRecord(ScriptedReplicationEngine.DeadHolder, epoch, now.AddMinutes(-5), now.AddMinutes(5));
            await admin.UpdateAsync(new DnsUpdate(name, DnsPrecondition.None, DnsRecordSet.Of(ScriptedReplicationEngine.Dead, 30, lease.Format()), 30), CancellationToken.None);
            var equal = new ReplicationProgress(1, 500, "0/1F4");
            var ahead = new ReplicationProgress(1, 600, "0/258");
            (a.Engine.Progress, b.Engine.Progress) = kind == 2 ? (equal, ahead) : (equal, equal);
            a.Engine.PeerProgress = _ => kind == 1 ? null : b.Engine.Progress;
            b.Engine.PeerProgress = _ => kind == 1 ? null : a.Engine.Progress;

            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var ra = Task.Run(async () => { await start.Task; return await a.DecideAsync(); });
            var rb = Task.Run(async () => { await start.Task; return await b.DecideAsync(); });
            start.SetResult();
            var steps = await Task.WhenAll(ra, rb);

            var truth = await admin.ReadAsync(name, CancellationToken.None);
            var owner = LeaseRecord.Find(truth.Texts);
            var promoting = new[] { (Node: a, Step: steps[0]), (Node: b, Step: steps[1]) }.Where(x => x.Step.Kind == StepKind.Promote).ToList();
            var expected = kind switch { 1 => null, 2 => "db-b", _ => "db-a" };
            var ok = promoting.Count == 1 && owner is not null && owner.Owner == promoting[0].Node.NodeId && owner.Epoch == epoch + 1
                     && truth.Addresses.Count == 1 && truth.Addresses[0].Equals(promoting[0].Node.Address)
                     && (expected is null || promoting[0].Node.NodeId == expected);
            if (!ok)
            {
                failed++;
                log?.Invoke($"trial {trial} (kind {kind}): steps {steps[0].Kind}/{steps[1].Kind} ({steps[0].Detail} | {steps[1].Detail}), DNS {truth}");
            }
            else
            {
                promotions[promoting[0].Node.NodeId]++;
            }
        }

        var conflicts = a.Logger.Entries.Concat(b.Logger.Entries).Count(e => e.EventId == 5025);
        return new PromotionRaceResult(trials, failed, promotions["db-a"], promotions["db-b"], conflicts, clock.Elapsed);
    }

    /// <summary>One replica's decision path, wired as the db role wires it.</summary>
    private sealed class Racer : IDisposable
    {
        private readonly Rfc2136Provider _provider;
        private readonly FailoverState _state = new();
        private readonly InMemoryRegistry _registry;
        private readonly NodeIdentity _identity;

        public Racer(BindServer bind, InMemoryRegistry registry, string nodeId, IPAddress address)
        {
            NodeId = nodeId;
            Address = address;
            _registry = registry;
            var db = new DbSection
            {
                Engine = DbEngine.PostgreSql,
                Replication = new DbReplicationConfig { Mode = ReplicationMode.Replica, AutoFailover = true, Fall = 1, MinHold = TimeSpan.Zero, Interval = TimeSpan.FromSeconds(1), Lease = TimeSpan.FromSeconds(10) },
            };
            var config = new AgentConfig
            {
                Role = "db",
                Cluster = "race",
                Aws = new AwsSection { Region = "us-east-1", Bucket = "unused" },
                Dns = new DnsSection { Zone = bind.Zone, Provider = DnsProviderKind.Rfc2136, Rfc2136 = bind.Config(), Ttl = 30 },
                RoleSection = db,
            };
            _identity = new NodeIdentity { Cluster = "race", Role = "db", NodeId = nodeId, InstanceId = $"i-{nodeId}", Address = Address, Source = "test" };
            _provider = new Rfc2136Provider(bind.Zone, bind.Config(), TimeSpan.FromSeconds(5), TimeProvider.System, NullLogger<Rfc2136Provider>.Instance);
            var directory = new PeerDirectory(registry, _identity, Engine, TimeProvider.System, NullLogger<PeerDirectory>.Instance);
            Gate = new DbClaimGate(Engine, directory, db, _identity, NullLogger<DbClaimGate>.Instance);
            Coordinator = new FailoverCoordinator(_provider, new DbHolderProbe(Engine, directory, db), db.Replication.ClaimSettings, config, _identity,
                new FixedAddress(Address), _state, new ReadinessState(TimeProvider.System), new DnsMetrics(Prometheus.Metrics.WithCustomRegistry(Prometheus.Metrics.NewCustomRegistry())),
                TimeProvider.System, Logger, Gate);
        }

        public string NodeId { get; }

        public IPAddress Address { get; }

        public ScriptedReplicationEngine Engine { get; } = new();

        public DbClaimGate Gate { get; }

        public FailoverCoordinator Coordinator { get; }

        public ListLogger<FailoverCoordinator> Logger { get; } = new();

        /// <summary>Registers as a live replica whose agent (a stand-in) answers on loopback at <paramref name="statusPort"/>; the race never connects to the addresses in DNS.</summary>
        public Task RegisterAsync(int statusPort)
            => _registry.PutAsync(new NodeRecord
            {
                Cluster = "race",
                Role = "db",
                NodeId = NodeId,
                InstanceId = $"i-{NodeId}",
                Address = "127.0.0.1",
                Ports = new Dictionary<string, int> { ["status"] = statusPort, ["postgresql"] = 5432 },
                StartedAt = DateTimeOffset.UtcNow,
                HeartbeatAt = DateTimeOffset.UtcNow,
                Database = new DatabaseView { Role = DatabaseView.Replica, Engine = "postgresql", State = "archive" },
            }, CancellationToken.None);

        /// <summary>One failover round, then what the replication loop would do with its outcome.</summary>
        public async Task<ReplicationStep> DecideAsync()
        {
            await Coordinator.RunOnceAsync(CancellationToken.None);
            var status = await Engine.ReadStatusAsync(CancellationToken.None);
            return ReplicationPlanner.Plan(new PlanInput
            {
                NodeId = NodeId,
                Name = Coordinator.Name,
                Mode = ReplicationMode.Replica,
                AutoFailover = true,
                Claim = _state.Current,
                Local = await Engine.InspectAsync(CancellationToken.None),
                Status = status,
                PrimaryReady = false,
                Now = DateTimeOffset.UtcNow,
            });
        }

        public void Dispose()
        {
            _provider.Dispose();
            Gate.Dispose();
        }

        private sealed class FixedAddress(IPAddress address) : INodeAddressSource
        {
            public ValueTask<IPAddress> GetAsync(CancellationToken cancellationToken) => ValueTask.FromResult(address);
        }
    }
}

/// <summary>How a promotion race went: trials, trials where not exactly one node promoted, how often each promoted, and writes lost on the precondition.</summary>
public sealed record PromotionRaceResult(int Trials, int Failed, int PromotedA, int PromotedB, int Conflicts, TimeSpan Elapsed);
