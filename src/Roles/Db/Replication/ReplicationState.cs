using NodeAgent.Registry;

namespace NodeAgent.Roles.Db.Replication;

/// <summary>
/// What the replication services share in the process: one lock around every action on the server (the loop, a
/// switchover and a stop-writes request never act at once), a pending switchover on the old primary, whether the
/// primary's replication user and access were ensured since it became primary, and the last published view.
/// </summary>
public sealed class ReplicationState
{
    private volatile PendingSwitchover? _switchover;
    private volatile DatabaseView? _view;

    /// <summary>Held while acting on the server (start, stop, build, rewind, promote).</summary>
    public SemaphoreSlim ServerLock { get; } = new(1, 1);

    public PendingSwitchover? Switchover
    {
        get => _switchover;
        set => _switchover = value;
    }

    public DatabaseView? View
    {
        get => _view;
        set => _view = value;
    }

    /// <summary>Set once the primary's replication user and access are in place; reset when the node starts or becomes primary.</summary>
    public bool PrimaryReady { get; set; }

    /// <summary>Why the next promotion happens (<c>failover</c>, or <c>switchover</c> with its request), recorded with the new timeline.</summary>
    public string PromotionReason { get; set; } = "failover";
}
