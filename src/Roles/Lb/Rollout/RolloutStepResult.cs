using NodeAgent.Roles.Web.Rollout;

namespace NodeAgent.Roles.Lb.Rollout;

/// <summary>
/// What one step decided: the new progress (<see cref="Changed"/> when its state moved, not just its measurements),
/// the events to announce, the nodes to nudge, and the batch (0-based) whose gate baseline must be taken now.
/// </summary>
public sealed record RolloutStepResult(
    RolloutProgress Progress,
    bool Changed,
    IReadOnlyList<RolloutAnnouncement> Announcements,
    IReadOnlyList<string> Nudge,
    int? TakeBaseline);
