using Microsoft.Extensions.Logging;

namespace NodeAgent.Notifications;

/// <summary>
/// <see cref="INotifier"/>: puts an event into the outbox of every receiver whose filter matches and wakes that
/// receiver's delivery loop. Writing the outbox file is all the caller waits for.
/// </summary>
public sealed partial class Notifier(
    IReadOnlyList<NotificationDeliveryLoop> receivers, string cluster, string nodeId, TimeProvider time, ILogger<Notifier> logger) : INotifier
{
    public IReadOnlyList<NotificationDeliveryLoop> Receivers => receivers;

    public NotificationEvent Create(string type, string? subject, string summary, System.Text.Json.Nodes.JsonObject? data = null, IReadOnlyList<string>? fact = null) => new()
    {
        Id = fact is null ? NotificationEvent.RandomId() : NotificationEvent.IdFor(cluster, type, [.. fact]),
        Type = type,
        Cluster = cluster,
        Node = nodeId,
        At = time.GetUtcNow(),
        Subject = subject,
        Summary = summary,
        Data = data ?? [],
    };

    public void Publish(NotificationEvent notification)
    {
        var queued = 0;
        foreach (var receiver in receivers)
        {
            var filter = receiver.Sender.Events;
            if (filter.Count > 0 && !filter.Any(p => NotificationEventTypes.Matches(p, notification.Type)))
            {
                continue;
            }

            try
            {
                if (receiver.Outbox.Enqueue(notification))
                {
                    queued++;
                    receiver.Wake();
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                LogQueueFailed(logger, notification.Type, notification.Id, receiver.Sender.Display, ex);
            }
        }

        if (queued > 0)
        {
            LogQueued(logger, notification.Type, notification.Id, notification.Subject ?? "-", queued);
        }
    }

    [LoggerMessage(EventId = 1850, Level = LogLevel.Information, Message = "Notifications: {Type} {EventId} ({Subject}) queued for {Receivers} receiver(s)")]
    private static partial void LogQueued(ILogger logger, string type, string eventId, string subject, int receivers);

    [LoggerMessage(EventId = 1857, Level = LogLevel.Error, Message = "Notifications: could not queue {Type} {EventId} for {Receiver}")]
    private static partial void LogQueueFailed(ILogger logger, string type, string eventId, string receiver, Exception exception);
}
