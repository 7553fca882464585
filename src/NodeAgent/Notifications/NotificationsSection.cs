using NodeAgent.Configuration;

namespace NodeAgent.Notifications;

/// <summary>
/// <c>notifications:</c> — who hears about what this node does: webhooks (signed POSTs) and exec hooks, with the retry
/// policy. Optional on every role; without it nothing is announced. See docs/notifications.md.
/// </summary>
public sealed record NotificationsSection
{
    public IReadOnlyList<WebhookReceiverConfig> Webhooks { get; init; } = [];

    public IReadOnlyList<ExecReceiverConfig> Exec { get; init; } = [];

    public NotificationRetry Retry { get; init; } = new();

    /// <summary>Events kept per receiver while it does not answer; the oldest are dropped (and logged) past this.</summary>
    public int MaxQueued { get; init; } = 10_000;

    public bool IsEmpty => Webhooks.Count == 0 && Exec.Count == 0;

    public static NotificationsSection Read(ConfigReader r)
    {
        var section = new NotificationsSection
        {
            Webhooks = r.List("webhooks", WebhookReceiverConfig.Read, max: 20),
            Exec = r.List("exec", ExecReceiverConfig.Read, max: 20),
            Retry = r.Section("retry", NotificationRetry.Read) ?? new NotificationRetry(),
            MaxQueued = r.Int("max_queued", 10_000, 10, 1_000_000),
        };
        foreach (var duplicate in section.Webhooks.GroupBy(w => w.ReceiverId).Where(g => g.Count() > 1))
        {
            r.Error("webhooks", $"{duplicate.First().Display} is listed {duplicate.Count()} times");
        }

        foreach (var duplicate in section.Exec.GroupBy(e => e.ReceiverId).Where(g => g.Count() > 1))
        {
            r.Error("exec", $"command {duplicate.First().Display} is listed {duplicate.Count()} times with the same arguments");
        }

        return section;
    }

    /// <summary>A receiver's <c>events</c> filter: known event names, or <c>prefix.*</c>.</summary>
    internal static IReadOnlyList<string> ReadEvents(ConfigReader r)
    {
        var events = r.StringList("events", max: 50);
        for (var i = 0; i < events.Count; i++)
        {
            if (!NotificationEventTypes.IsPattern(events[i]))
            {
                r.Error($"events[{i}]", $"'{SafeText.Escape(events[i])}' names no event; expected one of {string.Join(", ", NotificationEventTypes.All)}, or a prefix such as deploy.*");
            }
        }

        return events;
    }
}
