namespace NodeAgent.Roles.Web.Rollout;

/// <summary>What a web node does about a rollout now.</summary>
public enum RolloutAction
{
    /// <summary>Its batch is released: out of rotation, deploy, health, back in.</summary>
    Deploy,

    /// <summary>It has no release at all and its batch is not released: start on the release before this publish.</summary>
    DeployPrevious,

    /// <summary>The rollout halted with auto-revert and this node moved: switch back to its previous release.</summary>
    Revert,

    /// <summary>Nothing to do now; keep following the rollout.</summary>
    Wait,

    /// <summary>The rollout ended for this node: stop following it.</summary>
    Done,
}

/// <summary>The action and why (shown in logs and the outcome).</summary>
public sealed record RolloutDecision(RolloutAction Action, string Reason);
