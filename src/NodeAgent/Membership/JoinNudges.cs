using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.Registry;

namespace NodeAgent.Membership;

/// <summary>
/// Fast joins: once a registry write changed this web node's health to <c>healthy</c> (join) or from healthy to
/// <c>unhealthy</c> (leave), the lb nodes are nudged. The nudge is sent after the write, so the lb reads the new
/// state. Draining is announced by <see cref="LbDrainParticipant"/>, which also waits for the answers.
/// </summary>
public sealed partial class JoinNudges(MembershipNudger nudger, ILogger<JoinNudges> logger) : BackgroundService, IRegistrationObserver
{
    private readonly Channel<string> _events = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    public void OnPublished(NodeRecord? previous, NodeRecord current)
    {
        var before = previous?.Health;
        if (before == current.Health)
        {
            return;
        }

        if (current.Health == NodeHealth.Healthy)
        {
            _events.Writer.TryWrite(MembershipMessage.Join);
        }
        else if (before == NodeHealth.Healthy && current.Health == NodeHealth.Unhealthy)
        {
            _events.Writer.TryWrite(MembershipMessage.Leave);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var membershipEvent in _events.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await nudger.NotifyLbNodesAsync(membershipEvent, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogNudgeFailed(logger, membershipEvent, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    [LoggerMessage(EventId = 4052, Level = LogLevel.Warning, Message = "Membership: nudging the lb nodes with '{Event}' failed; they will notice at their next listing")]
    private static partial void LogNudgeFailed(ILogger logger, string @event, Exception exception);
}
