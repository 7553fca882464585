using System.Net;
using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Dns;
using NodeAgent.Dns.Failover;
using NodeAgent.Hosting;
using NodeAgent.Lifecycle;
using NodeAgent.Registry;
using NodeAgent.Roles.Lb.Configuration;

namespace NodeAgent.Roles.Lb.Failover;

/// <summary>
/// Startup (after the node's own DNS record): the first failover round, which claims the shared name if it is free
/// and otherwise starts this node as standby. First checks that the peer will be able to probe this node: its status
/// endpoint and HTTP frontend must listen on the node's address (or on every address). Publishes the HTTP port in the
/// registry (<c>ports.http</c>) for the peer's proxy probe. DNS not answering does not stop the node (the loop keeps
/// trying); a refusal that needs a config fix does.
/// </summary>
public sealed partial class ClaimSharedNameTask : IStartupTask
{
    private readonly FailoverCoordinator _coordinator;
    private readonly AgentConfig _config;
    private readonly LbSection _lb;
    private readonly NodeIdentity _identity;
    private readonly ILogger _logger;

    public ClaimSharedNameTask(FailoverCoordinator coordinator, LbSection lb, AgentConfig config, NodeIdentity identity, NodeStatusBoard board, ILogger<ClaimSharedNameTask> logger)
    {
        _coordinator = coordinator;
        _config = config;
        _identity = identity;
        _logger = logger;

        // Set while the host is being built, so the first registry entry already carries it.
        _lb = lb;
        board.SetPort("http", lb.HttpBind.Port);
    }

    public int Order => StartupOrder.Dns + 10;

    public string Name => $"claim {_coordinator.Name} or stand by";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        CheckReachable();
        try
        {
            await _coordinator.RunOnceAsync(cancellationToken);
        }
        catch (DnsProviderException ex) when (ex.Transient)
        {
            _coordinator.OnRoundFailed(ex);
            LogStartingUnknown(_logger, _coordinator.Name);
        }
    }

    private void CheckReachable()
    {
        if (!_config.Status.Enabled)
        {
            throw new InvalidOperationException("lb failover needs the status endpoint (status.enabled: true): the peer lb probes this node's /healthz");
        }

        Check("status.listen", _config.Status.Listen);
        Check("lb.http_bind", _lb.HttpBind);
    }

    private void Check(string key, IPEndPoint bind)
    {
        var address = bind.Address;
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(_identity.Address))
        {
            return;
        }

        throw new InvalidOperationException(
            $"{key} is {bind}, which the peer lb cannot reach at this node's address {_identity.Address}; "
            + $"set it to {new IPEndPoint(_identity.Address, bind.Port)} or {new IPEndPoint(IPAddress.Any, bind.Port)} for lb failover");
    }

    [LoggerMessage(EventId = 5032, Level = LogLevel.Error, Message = "Failover: cannot read {Name} at boot; starting with the role unknown and retrying every interval")]
    private static partial void LogStartingUnknown(ILogger logger, string name);
}
