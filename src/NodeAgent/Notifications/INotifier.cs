namespace NodeAgent.Notifications;

/// <summary>
/// Announces an event to every configured receiver (webhooks, exec hooks) whose filter matches. Cheap and never
/// blocking on a receiver: the event is written to each receiver's persisted outbox and delivered by that receiver's
/// own loop, with retries. Never throws: an announcement that cannot even be queued is logged.
/// </summary>
public interface INotifier
{
    /// <summary>Queues <paramref name="notification"/>; an id already queued or delivered to a receiver is not queued again.</summary>
    void Publish(NotificationEvent notification);

    /// <summary>
    /// An event from this node, now. <paramref name="fact"/> names the transition (e.g. app, sequence, batch): the id is
    /// derived from it, so announcing the same fact again, here or on another node, gives the same id. Null: a random id.
    /// </summary>
    NotificationEvent Create(string type, string? subject, string summary, System.Text.Json.Nodes.JsonObject? data = null, IReadOnlyList<string>? fact = null);
}
