using NodeAgent.Configuration;

namespace NodeAgent.Roles.Web.Rollout;

/// <summary>
/// <c>&lt;cluster&gt;/apps/&lt;app&gt;/rollout-control.json</c>: <c>nodeagent deploy pause|resume|abort</c> for the
/// rollout of one sequence, signed with <c>queue.signing_key</c>. The advancer applies each once (by its time).
/// </summary>
public sealed record RolloutControl
{
    public const string Pause = "pause";
    public const string Resume = "resume";
    public const string Abort = "abort";

    public int Schema { get; init; } = 1;

    public required string Cluster { get; init; }

    public required string App { get; init; }

    public required long Sequence { get; init; }

    public required string Action { get; init; }

    public required DateTimeOffset At { get; init; }

    public string? By { get; init; }

    public string? Check(string cluster, string app) => this switch
    {
        { Schema: not 1 } => $"schema {Schema} is not 1",
        _ when Cluster != cluster || App != app => "it is for another cluster or app",
        { Action: not (Pause or Resume or Abort) } => $"action '{SafeText.Escape(Action)}' is not pause, resume or abort",
        { Sequence: < 1 or > Deploy.DesiredSequence.Max } => "sequence is out of range",
        { By: { } by } when by.Length > 200 || !SafeText.IsSafe(by) => "by is not a short line of text",
        _ => null,
    };
}
