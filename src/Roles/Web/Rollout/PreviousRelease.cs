namespace NodeAgent.Roles.Web.Rollout;

/// <summary>What the app's desired state was before this publish: a node that has no release yet and whose batch is
/// not released (it booted mid-rollout) starts on this one, not on the revision being rolled out.</summary>
public sealed record PreviousRelease
{
    public required long Sequence { get; init; }

    public string? Revision { get; init; }
}
