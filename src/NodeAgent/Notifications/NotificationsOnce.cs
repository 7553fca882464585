using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Processes;

namespace NodeAgent.Notifications;

/// <summary>
/// For a command that runs once (<c>nodeagent retire</c>): queue an event in the node's outboxes and try to deliver
/// everything queued there within a bound. What is not delivered stays in the outbox, for the agent's next start.
/// </summary>
public static class NotificationsOnce
{
    public static async Task<int> PublishAndDeliverAsync(
        AgentConfig config, NotificationEvent notification, TimeSpan bound, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var loops = NotificationsServiceCollectionExtensions.CreateLoops(config, new CliWrapProcessRunner(), TimeProvider.System, loggers);
        new Notifier(loops, notification.Cluster, notification.Node, TimeProvider.System, loggers.CreateLogger<Notifier>()).Publish(notification);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(bound);
        var delivered = 0;
        foreach (var loop in loops)
        {
            foreach (var item in loop.Outbox.Due(DateTimeOffset.MaxValue))
            {
                try
                {
                    if (!await loop.DeliverAsync(item, bounded.Token))
                    {
                        break;
                    }

                    delivered++;
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return delivered;
                }
            }
        }

        return delivered;
    }
}
