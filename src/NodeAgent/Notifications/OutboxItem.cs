namespace NodeAgent.Notifications;

/// <summary>One event waiting in one receiver's outbox: its attempts so far and when the next one is due.</summary>
public sealed record OutboxItem(string File, NotificationEvent Event, int Attempts, DateTimeOffset QueuedAt, DateTimeOffset NextAt, string? LastError);
