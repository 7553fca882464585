namespace NodeAgent.Roles.Web.Deploy;

/// <summary>What one reconcile of one app came to.</summary>
public enum DeployOutcomeKind
{
    /// <summary>Nothing was ever published for the app.</summary>
    NothingDesired,

    /// <summary>The desired sequence is at or below the applied one: a no-op.</summary>
    UpToDate,

    /// <summary>A new release was checked out and switched in.</summary>
    Deployed,

    /// <summary>The desired revision was already current; the sequence was recorded without a checkout.</summary>
    Unchanged,

    /// <summary>The deploy cannot run (e.g. the revision does not exist); nothing was checked out.</summary>
    Rejected,

    /// <summary>Failed for good (hook failure, timeout); <c>current</c> was not switched.</summary>
    Failed,

    /// <summary>The validate or after_swap hook failed after the switch; <c>current</c> went back at once.</summary>
    RolledBack,

    /// <summary>Worth retrying later (S3 unreachable, lock busy, disk full, fetch failed).</summary>
    Transient,

    /// <summary>A message named a sequence the desired state in S3 does not have yet.</summary>
    AheadOfDesired,

    /// <summary>A rollout is in progress and this node's batch is not released (or it has moved and follows it).</summary>
    Waiting,

    /// <summary>A halted rollout switched this node back to its previous release.</summary>
    Reverted,
}

/// <summary>The result of a reconcile: kind, sequence, release and the reason when it did not succeed.</summary>
public sealed record DeployOutcome(DeployOutcomeKind Kind, long Sequence = 0, string? Release = null, string? Reason = null, string? Commit = null)
{
    public bool IsSuccess => Kind is DeployOutcomeKind.Deployed or DeployOutcomeKind.Unchanged or DeployOutcomeKind.UpToDate
        or DeployOutcomeKind.NothingDesired or DeployOutcomeKind.Waiting or DeployOutcomeKind.Reverted;
}
