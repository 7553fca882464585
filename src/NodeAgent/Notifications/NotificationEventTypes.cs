namespace NodeAgent.Notifications;

/// <summary>
/// The events a node announces (docs/notifications.md). A receiver's <c>events</c> filter names them exactly, or by
/// prefix with <c>.*</c> (<c>deploy.*</c>). The kernel names no role: a role passes its own event names (the lb pair's
/// failover event is <c>lb.failover</c>, set by the lb role); the list here is what the filter accepts.
/// </summary>
public static class NotificationEventTypes
{
    public const string DeployStarted = "deploy.started";
    public const string DeployBatchReleased = "deploy.batch_released";
    public const string DeployHalted = "deploy.halted";
    public const string DeployRolledBack = "deploy.rolled_back";
    public const string DeploySucceeded = "deploy.succeeded";
    public const string DeployFailed = "deploy.failed";
    public const string LbFailover = "lb.failover";
    public const string DbPromoted = "db.promoted";
    public const string BackupFailed = "backup.failed";
    public const string BackupStale = "backup.stale";
    public const string WalArchivingStuck = "backup.wal_archiving_stuck";
    public const string NodeDrained = "node.drained";
    public const string NodeRetired = "node.retired";
    public const string Test = "test";

    public static readonly IReadOnlyList<string> All =
    [
        DeployStarted, DeployBatchReleased, DeployHalted, DeployRolledBack, DeploySucceeded, DeployFailed,
        LbFailover, DbPromoted, BackupFailed, BackupStale, WalArchivingStuck, NodeDrained, NodeRetired, Test,
    ];

    /// <summary>Whether <paramref name="pattern"/> is an event name or a <c>prefix.*</c> that matches at least one.</summary>
    public static bool IsPattern(string pattern) => pattern == "*" || All.Any(t => Matches(pattern, t));

    public static bool Matches(string pattern, string type)
        => pattern == "*" || pattern == type
           || (pattern.EndsWith(".*", StringComparison.Ordinal) && type.StartsWith(pattern[..^1], StringComparison.Ordinal));
}
