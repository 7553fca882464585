using Microsoft.Extensions.Logging;
using NodeAgent.Lifecycle;

namespace NodeAgent.Notifications;

/// <summary>
/// Delivers one receiver's outbox: every second (and at once when an event is queued) it sends the events that are
/// due, oldest first. A delivered event leaves the outbox; a failed attempt is retried after a jittered exponential
/// backoff (<c>notifications.retry</c>), and the round stops there (the receiver is failing: the events behind wait
/// their turn, in order); an event refused for good, or past <c>max_attempts</c> or <c>max_age</c>, is dropped and
/// logged. Each receiver has its own loop, so a receiver that never answers delays only itself — never a deploy, a
/// failover, a backup or another receiver.
/// </summary>
public sealed partial class NotificationDeliveryLoop(
    INotificationSender sender, NotificationOutbox outbox, NotificationRetry retry, TimeProvider time, ILogger<NotificationDeliveryLoop> logger)
    : AgentLoop(time, logger)
{
    public override string LoopName => $"notifications to {sender.Display}";

    public INotificationSender Sender => sender;

    public NotificationOutbox Outbox => outbox;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(1);

    protected override TimeSpan InitialDelay => TimeSpan.Zero;

    protected override double SplayFraction => 0;

    public override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        foreach (var item in outbox.Due(Time.GetUtcNow()))
        {
            if (!await DeliverAsync(item, cancellationToken))
            {
                return;
            }
        }
    }

    /// <summary>One attempt at one event; false when it failed (and is due again later).</summary>
    public async Task<bool> DeliverAsync(OutboxItem item, CancellationToken cancellationToken)
    {
        DeliveryResult result;
        try
        {
            result = await sender.SendAsync(item.Event, NotificationJson.Serialize(item.Event), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            result = DeliveryResult.Retry($"{ex.GetType().Name}: {ex.Message}");
        }

        var now = Time.GetUtcNow();
        if (result.Delivered)
        {
            outbox.Delivered(item);
            LogDelivered(logger, item.Event.Type, item.Event.Id, sender.Display, item.Attempts + 1, result.Detail);
            return true;
        }

        var attempts = item.Attempts + 1;
        if (result.Permanent || attempts >= retry.MaxAttempts || now - item.QueuedAt >= retry.MaxAge)
        {
            outbox.GiveUp(item);
            LogGaveUp(logger, item.Event.Type, item.Event.Id, sender.Display, attempts, result.Detail);
            return true;
        }

        var delay = retry.DelayAfter(attempts);
        outbox.Failed(item, result.Detail, now + delay);
        if (attempts == 1 || attempts % 10 == 0)
        {
            LogRetrying(logger, item.Event.Type, item.Event.Id, sender.Display, attempts, result.Detail, delay.TotalSeconds);
        }

        return false;
    }

    [LoggerMessage(EventId = 1854, Level = LogLevel.Information, Message = "Notifications: {Type} {EventId} delivered to {Receiver} (attempt {Attempt}: {Detail})")]
    private static partial void LogDelivered(ILogger logger, string type, string eventId, string receiver, int attempt, string detail);

    [LoggerMessage(EventId = 1855, Level = LogLevel.Warning, Message = "Notifications: {Type} {EventId} to {Receiver} failed (attempt {Attempt}: {Detail}); retrying in {Seconds:0.0} s (logged on the first and every 10th)")]
    private static partial void LogRetrying(ILogger logger, string type, string eventId, string receiver, int attempt, string detail, double seconds);

    [LoggerMessage(EventId = 1856, Level = LogLevel.Error, Message = "Notifications: gave up on {Type} {EventId} to {Receiver} after {Attempts} attempt(s): {Detail}")]
    private static partial void LogGaveUp(ILogger logger, string type, string eventId, string receiver, int attempts, string detail);
}
