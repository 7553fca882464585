using Microsoft.Extensions.Logging;
using NodeAgent.Dns;
using NodeAgent.Dns.Failover;
using NodeAgent.Lifecycle;

namespace NodeAgent.Roles.Db.Replication;

/// <summary>
/// Startup (after the node's registry entry and its own DNS record): the first round of the writers' name claim. A
/// node with a primary's data claims the free name here; every node learns who holds it before the replication loop
/// decides what to run. DNS not answering does not stop the node (it starts with the holder unknown: replicas serve
/// reads, a primary's data waits); a refusal that needs a config fix does.
/// </summary>
public sealed partial class ClaimDbNameTask(FailoverCoordinator coordinator, ILogger<ClaimDbNameTask> logger) : IStartupTask
{
    public int Order => StartupOrder.Dns + 10;

    public string Name => $"claim {coordinator.Name} or follow its holder";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await coordinator.RunOnceAsync(cancellationToken);
        }
        catch (DnsProviderException ex) when (ex.Transient)
        {
            coordinator.OnRoundFailed(ex);
            LogStartingUnknown(logger, coordinator.Name);
        }
    }

    [LoggerMessage(EventId = 6480, Level = LogLevel.Error, Message = "Cannot read {Name} at boot; the primary is unknown until DNS answers (replicas serve reads, a primary's data waits)")]
    private static partial void LogStartingUnknown(ILogger logger, string name);
}
