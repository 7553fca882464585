namespace NodeAgent.Roles.Web.Deploy;

/// <summary>The states of a node's status record.</summary>
public static class DeployStates
{
    public const string Deploying = "deploying";

    /// <summary><c>current</c> serves the desired revision (switched now, or already).</summary>
    public const string Succeeded = "succeeded";

    /// <summary>A hook or step failed for good; <c>current</c> was not switched, or was switched back.</summary>
    public const string Failed = "failed";

    /// <summary>The validate (or after_swap) hook failed after the switch; <c>current</c> went back to the previous release.</summary>
    public const string RolledBack = "rolled_back";

    /// <summary>The deploy cannot run (e.g. the revision does not exist); nothing was checked out.</summary>
    public const string Rejected = "rejected";

    /// <summary>A newer sequence was desired by the time this node got to it; it deployed that one instead.</summary>
    public const string Superseded = "superseded";

    public static readonly IReadOnlySet<string> Terminal = new HashSet<string>(StringComparer.Ordinal)
    {
        Succeeded, Failed, RolledBack, Rejected, Superseded,
    };

    public static bool IsSuccess(string state) => state is Succeeded or Superseded;
}
