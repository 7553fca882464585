namespace NodeAgent.Roles.Web.Rollout;

/// <summary>The states of a rollout (<see cref="RolloutProgress.State"/>) and of its batches.</summary>
public static class RolloutStates
{
    /// <summary>Releasing batches one after the other.</summary>
    public const string Running = "running";

    /// <summary><c>deploy pause</c>: no further batch is released; the batch in flight finishes and is gated.</summary>
    public const string Paused = "paused";

    /// <summary>Halted with auto-revert (or aborted): the nodes that moved are switching back.</summary>
    public const string RollingBack = "rolling_back";

    /// <summary>Every batch passed its gates.</summary>
    public const string Succeeded = "succeeded";

    /// <summary>Halted without auto-revert: nodes that moved stay on the new release, the others were never touched.</summary>
    public const string Halted = "halted";

    /// <summary>Halted, and every node that moved is back on its previous release.</summary>
    public const string RolledBack = "rolled_back";

    /// <summary>The rollback itself could not finish (a node did not switch back in time).</summary>
    public const string Failed = "failed";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
        { Running, Paused, RollingBack, Succeeded, Halted, RolledBack, Failed };

    public static readonly IReadOnlySet<string> Terminal = new HashSet<string>(StringComparer.Ordinal) { Succeeded, Halted, RolledBack, Failed };

    public static bool IsTerminal(string state) => Terminal.Contains(state);

    public const string BatchPending = "pending";
    public const string BatchReleased = "released";
    public const string BatchBaking = "baking";
    public const string BatchPassed = "passed";
    public const string BatchFailed = "failed";

    public static readonly IReadOnlySet<string> BatchStates = new HashSet<string>(StringComparer.Ordinal)
        { BatchPending, BatchReleased, BatchBaking, BatchPassed, BatchFailed };
}
