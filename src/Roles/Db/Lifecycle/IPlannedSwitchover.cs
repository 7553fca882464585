namespace NodeAgent.Roles.Db.Lifecycle;

/// <summary>
/// The extension point for a primary's planned switchover to a replica before its instance goes away. Nothing
/// implements it yet: the PostgreSQL replica work (issue 13) registers its switchover service as this interface
/// (<c>services.AddSingleton&lt;IPlannedSwitchover, …&gt;()</c>), and <see cref="ArchiveOnTerminationStep"/> then
/// calls it first. An implementation returns <see cref="SwitchoverOutcome.NotApplicable"/> on a node that is not a
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
