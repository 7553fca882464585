using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Roles.Web.Configuration;
using NodeAgent.Roles.Web.Releases;
using NodeAgent.Roles.Web.Rollout;

namespace NodeAgent.Roles.Web.Deploy;

/// <summary>
/// The rollout half of the reconcile: a desired state that carries a signed plan is deployed by this node only once
/// its batch is released in the rollout's progress record (checked against the plan, fenced by the advancer's epoch),
/// out of rotation on every lb (<see cref="RotationDrain"/>); a halted rollout switches nodes that moved back to
/// their previous release, locally and at once. docs/deploys.md#rollouts.
/// </summary>
public sealed partial class Reconciler
{
    private async Task<DeployOutcome> ReconcileRolloutAsync(
        AppConfig app, DesiredRead read, DesiredRelease desired, AppDeployState state, string trigger, DeployTimeline timeline, CancellationToken cancellationToken)
    {
        var plan = desired.Rollout!;
        var (progress, problem) = await ReadProgressAsync(app, desired, read, state, cancellationToken);
        var hasRelease = _deployer.Layout(app.Name).Current() is not null;
        var decision = RolloutFollower.Decide(plan, progress, _identity.NodeId, desired.Sequence, state.AppliedSequence, state.RevertedSequence, hasRelease);
        if (problem is not null && decision.Action is RolloutAction.Wait)
        {
            decision = decision with { Reason = $"{decision.Reason}; the progress record is refused: {problem}" };
        }

        var following = state with
        {
            RolloutSequence = decision.Action == RolloutAction.Done ? 0 : desired.Sequence,
            RolloutEpoch = decision.Action == RolloutAction.Done ? 0 : Math.Max(state.RolloutSequence == desired.Sequence ? state.RolloutEpoch : 0, progress?.Epoch ?? 0),
        };
        if (following != state)
        {
            _states.Save(app.Name, following);
        }

        switch (decision.Action)
        {
            case RolloutAction.Deploy:
                LogRolloutStep(_logger, app.Name, desired.Sequence, decision.Action.ToString(), decision.Reason);
                return await DeployInBatchAsync(app, desired, following, plan, trigger, timeline, cancellationToken);
            case RolloutAction.DeployPrevious:
                LogRolloutStep(_logger, app.Name, desired.Sequence, decision.Action.ToString(), decision.Reason);
                var previous = desired with { Sequence = plan.Previous!.Sequence, Revision = plan.Previous.Revision, Rollout = null };
                var started = await DeployUnderLockAsync(app, previous, following, trigger, timeline, cancellationToken);
                return Record(app, following, previous, started, _deployer.Layout(app.Name).Current()?.Value);
            case RolloutAction.Revert:
                LogRolloutStep(_logger, app.Name, desired.Sequence, decision.Action.ToString(), decision.Reason);
                return await RevertAsync(app, desired, following, progress!, cancellationToken);
            default:
                return new DeployOutcome(DeployOutcomeKind.Waiting, desired.Sequence, state.Release, decision.Reason);
        }
    }

    /// <summary>The progress record, if it is usable for this desired state; else null and why not (logged once per version).</summary>
    private async Task<(RolloutProgress? Progress, string? Problem)> ReadProgressAsync(
        AppConfig app, DesiredRelease desired, DesiredRead read, AppDeployState state, CancellationToken cancellationToken)
    {
        var got = await _rollouts!.ReadProgressAsync(_identity.Cluster, app.Name, cancellationToken);
        if (got.Value is null)
        {
            return (null, got.Problem);
        }

        var problem = got.Value.Check(_identity.Cluster, app.Name, desired.Sequence, RolloutProgress.PlanDigest(read.Content!), desired.Rollout!);
        if (problem is null && state.RolloutSequence == desired.Sequence && got.Value.Epoch < state.RolloutEpoch)
        {
            problem = $"it was written under epoch {got.Value.Epoch}, older than epoch {state.RolloutEpoch} already seen (a fenced-out advancer)";
        }

        if (problem is null)
        {
            return (got.Value, null);
        }

        var version = $"progress|{got.ETag}|{problem}";
        if (!_refused.TryGetValue(app.Name + "/rollout", out var last) || last != version)
        {
            _refused[app.Name + "/rollout"] = version;
            LogProgressRefused(_logger, app.Name, desired.Sequence, problem);
        }

        return (null, problem);
    }

    /// <summary>This node's batch is released: out of rotation, deploy, health on the new release, back in.</summary>
    private async Task<DeployOutcome> DeployInBatchAsync(
        AppConfig app, DesiredRelease desired, AppDeployState state, RolloutPlan plan, string trigger, DeployTimeline timeline, CancellationToken cancellationToken)
    {
        var serving = trigger != BootTrigger && _drain is not null;
        if (serving)
        {
            await _statuses.WriteAsync(Terminal(app, desired, DeployStates.Deploying, "out of rotation on every lb before the swap") with { Stage = "drain" }, cancellationToken);
            await _drain!.LeaveAsync(plan.DrainTimeout, cancellationToken);
            timeline.Mark("drain");
        }

        try
        {
            var outcome = await DeployUnderLockAsync(app, desired, state, trigger, timeline, cancellationToken);
            if (serving && outcome.Kind == DeployOutcomeKind.Deployed && !await _drain!.WaitHealthyAsync(plan.HealthTimeout, cancellationToken))
            {
                outcome = await SwitchBackUnhealthyAsync(app, desired, state, outcome, plan, cancellationToken);
            }

            timeline.Mark("health");
            outcome = Record(app, state, desired, outcome, _deployer.Layout(app.Name).Current()?.Value);
            LogTimeline(_logger, app.Name, desired.Sequence, trigger, timeline.TotalMs, timeline.ToString());
            return outcome;
        }
        finally
        {
            if (serving)
            {
                await _drain!.ReturnAsync(CancellationToken.None);
            }
        }
    }

    /// <summary>The new release does not pass the node's own health check: switch straight back, like a failed validate hook.</summary>
    private async Task<DeployOutcome> SwitchBackUnhealthyAsync(
        AppConfig app, DesiredRelease desired, AppDeployState state, DeployOutcome deployed, RolloutPlan plan, CancellationToken cancellationToken)
    {
        var reason = $"health did not pass within {DurationParser.Format(plan.HealthTimeout)} after the swap";
        if (state.Release is null || _rollback is null)
        {
            return new DeployOutcome(DeployOutcomeKind.Failed, desired.Sequence, deployed.Release, $"{reason}; there is no previous release to go back to");
        }

        string detail;
        try
        {
            var (_, to) = await _rollback.RunAsync(app.Name, state.Release, cancellationToken);
            detail = $"{reason}; switched back to {to}";
        }
        catch (InvalidOperationException ex)
        {
            detail = $"{reason}; switching back: {ex.Message}";
        }

        await _statuses.WriteAsync(Terminal(app, desired, DeployStates.RolledBack, detail) with { Release = _deployer.Layout(app.Name).Current()?.Value }, cancellationToken);
        return new DeployOutcome(DeployOutcomeKind.RolledBack, desired.Sequence, _deployer.Layout(app.Name).Current()?.Value, detail);
    }

    /// <summary>
    /// The rollout halted and this node moved: switch <c>current</c> back to the release before the rollout's, in place
    /// (the previous release is kept and was serving minutes ago), run <c>after_swap</c>, and remember the sequence as
    /// switched back from, so it is neither deployed nor switched back again (also after a crash in between: a current
    /// release that is not the rollout's needs no switch).
    /// </summary>
    private async Task<DeployOutcome> RevertAsync(AppConfig app, DesiredRelease desired, AppDeployState state, RolloutProgress progress, CancellationToken cancellationToken)
    {
        var layout = _deployer.Layout(app.Name);
        var current = layout.Current();
        var why = progress.Halt is { } halt ? $"rollout halted at batch {halt.Batch} ({halt.Gate}: {halt.Reason})" : "rollout halted";
        string detail;
        if (current is null || current.Sequence != desired.Sequence)
        {
            detail = $"{why}; {current?.Value ?? "no release"} is already not the rollout's release";
        }
        else if (state.PreviousRelease is null || _rollback is null)
        {
            detail = $"{why}; there is no previous release to switch back to, so {current} stays";
        }
        else
        {
            try
            {
                var (_, to) = await _rollback.RunAsync(app.Name, state.PreviousRelease, cancellationToken);
                detail = $"{why}; switched back to {to}";
            }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
            {
                detail = $"{why}; switching back: {ex.Message}";
            }
        }

        var now = _states.Load(app.Name);
        _states.Save(app.Name, now with { RolledBackByHand = false, RevertedSequence = desired.Sequence, RolloutSequence = state.RolloutSequence, RolloutEpoch = state.RolloutEpoch });
        var release = layout.Current()?.Value;
        await _statuses.WriteAsync(Terminal(app, desired, DeployStates.RolledBack, detail) with { Release = release }, cancellationToken);
        PublishToBoard(app);
        LogReverted(_logger, app.Name, desired.Sequence, release ?? "none", detail);
        return new DeployOutcome(DeployOutcomeKind.Reverted, desired.Sequence, release, detail);
    }

    [LoggerMessage(EventId = 3410, Level = LogLevel.Information, Message = "App {App} sequence {Sequence}: rollout step {Action}: {Reason}")]
    private static partial void LogRolloutStep(ILogger logger, string app, long sequence, string action, string reason);

    [LoggerMessage(EventId = 3411, Level = LogLevel.Warning, Message = "App {App} sequence {Sequence}: the rollout progress record is refused: {Reason}")]
    private static partial void LogProgressRefused(ILogger logger, string app, long sequence, string reason);

    [LoggerMessage(EventId = 3412, Level = LogLevel.Warning, Message = "App {App}: switched back from sequence {Sequence}, now on {Release}: {Detail}")]
    private static partial void LogReverted(ILogger logger, string app, long sequence, string release, string detail);
}
