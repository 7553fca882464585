namespace NodeAgent.Roles.Db.Lifecycle;

/// <summary>
/// A primary's planned switchover to a replica before its instance goes away. With <c>db.replication</c> on, the
/// replication services register <c>Replication.Switchover.TerminationSwitchover</c> as this interface, and
/// <see cref="ArchiveOnTerminationStep"/> calls it first. An implementation returns <see cref="SwitchoverOutcome.NotApplicable"/> on a node that is not a
/// primary or has no replica to hand over to, so the step falls back to archiving the last WAL.
/// </summary>
public interface IPlannedSwitchover
{
    Task<SwitchoverResult> SwitchOverAsync(CancellationToken cancellationToken);
}

public enum SwitchoverOutcome
{
    /// <summary>Not a primary, or no replica: nothing was done.</summary>
    NotApplicable,

    /// <summary>A replica is the primary now; this node's last WAL reached it.</summary>
    SwitchedOver,

    /// <summary>The switchover was tried and failed; the node stays primary.</summary>
    Failed,
}

public sealed record SwitchoverResult(SwitchoverOutcome Outcome, string Detail);
