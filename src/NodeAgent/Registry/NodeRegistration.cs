using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Messaging;
using NodeAgent.Status;

namespace NodeAgent.Registry;

/// <summary>Builds this node's registry record from its identity and status board, and writes or removes it.</summary>
public sealed partial class NodeRegistration(
    INodeRegistry registry,
    NodeIdentity identity,
    AgentConfig config,
    NodeStatusBoard board,
    NodeQueue queue,
    TimeProvider time,
    IEnumerable<IRegistrationObserver> observers,
    ILogger<NodeRegistration> logger)
{
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();
    private readonly SemaphoreSlim _writing = new(1, 1);
    private NodeRecord? _lastPublished;

    /// <summary>True once an entry was written and not yet removed: only then is there anything to drain or remove.</summary>
    public bool IsRegistered { get; private set; }

    public NodeRecord Current()
    {
        var ports = new Dictionary<string, int>(board.Ports);
        if (config.Status.Enabled)
        {
            ports.TryAdd("status", config.Status.Listen.Port);
        }

        return new NodeRecord
        {
            Cluster = identity.Cluster,
            Role = identity.Role,
            NodeId = identity.NodeId,
            InstanceId = identity.InstanceId,
            Address = identity.Address.ToString(),
            PublicAddress = identity.PublicAddress?.ToString(),
            AvailabilityZone = identity.AvailabilityZone,
            Ports = ports,
            QueueUrl = queue.IsReady ? queue.Address.Url.ToString() : null,
            DnsName = board.DnsName,
            Apps = board.Apps,
            Health = board.Health,
            StartedAt = _startedAt,
            HeartbeatAt = time.GetUtcNow(),
            AgentVersion = AgentVersion.Value,
            Balancer = board.Balancer,
            Drain = board.Drain,
            Database = board.Database,
        };
    }

    /// <summary>Writes the current record. Writes are serialised, so observers see them in order.</summary>
    public async Task PublishAsync(CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            var record = Current();
            await registry.PutAsync(record, cancellationToken);
            IsRegistered = true;
            var previous = _lastPublished;
            _lastPublished = record;
            LogPublished(logger, RegistryKeys.Node(record.Cluster, record.Role, record.NodeId), record.Health);
            foreach (var observer in observers)
            {
                observer.OnPublished(previous, record);
            }
        }
        finally
        {
            _writing.Release();
        }
    }

    public async Task DeregisterAsync(CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            await registry.DeleteAsync(identity.Cluster, identity.Role, identity.NodeId, cancellationToken);
            IsRegistered = false;
            LogDeregistered(logger, RegistryKeys.Node(identity.Cluster, identity.Role, identity.NodeId));
        }
        finally
        {
            _writing.Release();
        }
    }

    [LoggerMessage(EventId = 1601, Level = LogLevel.Debug, Message = "Registry entry {Key} written (health {Health})")]
    private static partial void LogPublished(ILogger logger, string key, string health);

    [LoggerMessage(EventId = 1602, Level = LogLevel.Information, Message = "Registry entry {Key} removed")]
    private static partial void LogDeregistered(ILogger logger, string key);
}
