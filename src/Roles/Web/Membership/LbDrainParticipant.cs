using Microsoft.Extensions.Logging;
using NodeAgent.Messaging;

namespace NodeAgent.Roles.Web.Membership;

/// <summary>
/// A web node's graceful stop: tell every lb node it leaves, then keep serving until each has answered that the node
/// is out of its HAProxy (drained, no connections left) — or until the drain bound, whichever comes first. Only then
/// does the agent go on to stop the web server and deregister, so no request is sent to a server that stopped.
/// </summary>
public sealed partial class LbDrainParticipant(
    MembershipNudger nudger,
    DrainAcknowledgements acknowledgements,
    Registry.NodeStatusBoard board,
    ILogger<LbDrainParticipant> logger) : Registry.IDrainParticipant
{
    public string Name => "leave the lb nodes";

    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        var told = await nudger.NotifyLbNodesAsync(MembershipMessage.Leave, cancellationToken);
        if (told.Count == 0 || board.Drain is not { } drain)
        {
            return;
        }

        await acknowledgements.WaitForAllAsync(drain.Id, told, cancellationToken);
        LogAllRemoved(logger, told.Count);
    }

    [LoggerMessage(EventId = 4053, Level = LogLevel.Information, Message = "Membership: all {Count} lb node(s) have taken this node out of rotation")]
    private static partial void LogAllRemoved(ILogger logger, int count);
}
