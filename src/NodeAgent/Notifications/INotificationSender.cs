namespace NodeAgent.Notifications;

/// <summary>One receiver: delivers one event (its exact JSON body) in one attempt, bounded by the receiver's timeout.</summary>
public interface INotificationSender
{
    /// <summary>Stable name of the receiver's outbox directory (no secret in it).</summary>
    string ReceiverId { get; }

    /// <summary>What logs show: a URL without query or user info, or a program name.</summary>
    string Display { get; }

    IReadOnlyList<string> Events { get; }

    Task<DeliveryResult> SendAsync(NotificationEvent notification, byte[] body, CancellationToken cancellationToken);
}
