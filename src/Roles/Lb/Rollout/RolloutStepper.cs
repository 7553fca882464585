using System.Text.Json.Nodes;
using NodeAgent.Notifications;
using NodeAgent.Registry;
using NodeAgent.Roles.Web.Deploy;
using NodeAgent.Roles.Web.Rollout;

namespace NodeAgent.Roles.Lb.Rollout;

/// <summary>
/// One step of a rollout's state machine (pure; the advancer does the reading, writing and nudging). In order:
/// <list type="number">
/// <item>a desired record without progress (or with progress for another sequence or plan) starts a rollout;</item>
/// <item>the operator's control is applied once: pause, resume, abort (a halt that always rolls back);</item>
/// <item>rolling back: wait until every node of a released batch has switched back (or never moved), then
/// <c>rolled_back</c>; past the batch timeout, <c>failed</c>;</item>
/// <item>a released batch waits until each of its live nodes reports <c>succeeded</c>, is in rotation here and healthy,
/// then bakes; a node that failed, rolled back or was rejected, or a batch not back within its timeout, halts;</item>
/// <item>a baking batch is judged (<see cref="GateEvaluator"/>): a failing gate halts at once, a batch whose bake is
/// over passes; the last one passing is success;</item>
/// <item>with no batch in flight the next is released, unless paused or fewer than <c>min_healthy</c> other servers
/// are in rotation (waiting longer than the batch timeout for that halts).</item>
/// </list>
/// A halt with auto-revert (the default) or an abort rolls back; without, the rollout ends <c>halted</c>.
/// At most one batch is ever out of rotation: the next is released only after the previous one passed.
/// </summary>
public static class RolloutStepper
{
    private sealed class Step(RolloutStepInput input)
    {
        public RolloutStepInput In { get; } = input;

        public RolloutProgress P { get; set; } = null!;

        public bool Changed { get; set; }

        public List<RolloutAnnouncement> Announcements { get; } = [];

        public List<string> Nudge { get; } = [];

        public int? Baseline { get; set; }

        public void Set(RolloutProgress next, bool structural = true)
        {
            Changed |= structural && next != P;
            P = next;
        }

        public void SetBatch(int index, BatchProgress batch)
        {
            var list = P.Batches.ToList();
            list[index] = batch;
            Set(P with { Batches = list });
        }

        public void Announce(string type, string summary, JsonObject data, params string[] fact)
        {
            var id = NotificationEvent.IdFor(In.Cluster, type, [In.App, In.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), .. fact]);
            data["app"] = In.App;
            data["sequence"] = In.Sequence;
            data["revision"] = In.Revision;
            data["strategy"] = In.Plan.Strategy;
            data["batches"] = In.Plan.Batches.Count;
            Announcements.Add(new RolloutAnnouncement(id, type, summary, data));
            var events = P.Events.Append(new RolloutEventRecord { Id = id, Type = type, At = In.Now, Summary = summary }).TakeLast(RolloutProgress.MaxEvents).ToList();
            Set(P with { Events = events });
        }
    }

    public static RolloutStepResult Run(RolloutStepInput input)
    {
        var step = new Step(input);
        var p = input.Progress;
        if (p is null || p.Sequence != input.Sequence || p.Plan != input.PlanDigest)
        {
            step.P = Start(input);
            step.Changed = true;
            step.Announce(NotificationEventTypes.DeployStarted,
                $"{input.App}: rollout of sequence {input.Sequence} ({input.Revision ?? "default ref"}) started: {input.Plan.Strategy}, {input.Plan.Batches.Count} batch(es)",
                new JsonObject { ["nodes"] = input.Plan.Nodes.Count() });
        }
        else
        {
            step.P = p;
            if (p.IsTerminal)
            {
                return Result(step);
            }

            if (p.Epoch != input.Epoch || p.Advancer != input.Advancer)
            {
                step.Set(p with { Epoch = input.Epoch, Advancer = input.Advancer });
            }
        }

        ApplyControl(step);
        if (step.P.State == RolloutStates.RollingBack)
        {
            RollBack(step);
        }
        else if (!step.P.IsTerminal)
        {
            Advance(step);
        }

        return Result(step);
    }

    private static RolloutStepResult Result(Step step)
    {
        var progress = step.Changed ? step.P with { UpdatedAt = step.In.Now } : step.P;
        return new RolloutStepResult(progress, step.Changed, step.Announcements, step.Nudge.Distinct(StringComparer.Ordinal).ToList(), step.Baseline);
    }

    private static RolloutProgress Start(RolloutStepInput input) => new()
    {
        Cluster = input.Cluster,
        App = input.App,
        Sequence = input.Sequence,
        Plan = input.PlanDigest,
        Revision = input.Revision,
        Epoch = input.Epoch,
        Advancer = input.Advancer,
        State = RolloutStates.Running,
        Batches = input.Plan.Batches.Select((nodes, i) => new BatchProgress { Index = i + 1, Nodes = nodes }).ToList(),
        StartedAt = input.Now,
        UpdatedAt = input.Now,
    };

    private static void ApplyControl(Step step)
    {
        var control = step.In.Control;
        if (control is null || control.Sequence != step.In.Sequence || (step.P.ControlAt is { } applied && control.At <= applied))
        {
            return;
        }

        step.Set(step.P with { ControlAt = control.At });
        var by = control.By ?? "an operator";
        switch (control.Action)
        {
            case RolloutControl.Pause when step.P.State == RolloutStates.Running:
                step.Set(step.P with { State = RolloutStates.Paused, Detail = $"paused by {by}: no further batch is released" });
                break;
            case RolloutControl.Resume when step.P.State == RolloutStates.Paused:
                step.Set(step.P with { State = RolloutStates.Running, Detail = $"resumed by {by}" });
                break;
            case RolloutControl.Abort when step.P.State is RolloutStates.Running or RolloutStates.Paused:
                Halt(step, "abort", $"aborted by {by}", InFlight(step.P) ?? Math.Max(0, step.P.Released - 1), forceRevert: true);
                break;
        }
    }

    /// <summary>The batch released and not yet passed (0-based), if any.</summary>
    private static int? InFlight(RolloutProgress p)
    {
        for (var i = 0; i < p.Batches.Count; i++)
        {
            if (p.Batches[i].State is RolloutStates.BatchReleased or RolloutStates.BatchBaking)
            {
                return i;
            }
        }

        return null;
    }

    private static void Advance(Step step)
    {
        var input = step.In;
        if (InFlight(step.P) is { } k)
        {
            var batch = step.P.Batches[k];
            var live = batch.Nodes.Except(batch.Skipped).ToList();
            var broken = live.Select(n => input.Nodes.GetValueOrDefault(n))
                .Where(o => o?.Status is DeployStates.Failed or DeployStates.RolledBack or DeployStates.Rejected)
                .ToList();
            if (broken.Count > 0)
            {
                Halt(step, "deploy", string.Join("; ", broken.Select(o => $"{o!.NodeId} {o.Status}: {o.StatusDetail ?? "no detail"}")), k, forceRevert: false);
                return;
            }

            if (batch.State == RolloutStates.BatchReleased)
            {
                WaitForBatch(step, k, batch, live);
            }
            else
            {
                Bake(step, k, batch, live);
            }

            return;
        }

        if (step.P.Released >= input.Plan.Batches.Count)
        {
            Succeed(step);
            return;
        }

        if (step.P.State == RolloutStates.Paused)
        {
            return;
        }

        Release(step, step.P.Released);
    }

    private static void WaitForBatch(Step step, int k, BatchProgress batch, IReadOnlyList<string> live)
    {
        var input = step.In;
        var pending = live.Where(n => input.Nodes.GetValueOrDefault(n) is not { Status: DeployStates.Succeeded or DeployStates.Superseded, Health: NodeHealth.Healthy }
                                      || !input.InRotation.Contains(n)).ToList();
        if (pending.Count == 0)
        {
            step.SetBatch(k, batch with { State = RolloutStates.BatchBaking, InRotationAt = input.Now, BakeEpoch = input.Epoch, Detail = "back in rotation; baking" });
            step.Set(step.P with { Detail = $"batch {k + 1} of {step.P.Batches.Count} bakes for {input.Plan.Bake.TotalSeconds:0.#} s" });
            step.Baseline = k;
            return;
        }

        string Describe(string n) => input.Nodes.GetValueOrDefault(n) is { } o
            ? $"{n} ({o.Status ?? "not started"}{(o.Status == DeployStates.Deploying && o.StatusDetail is { } d ? ": " + d : string.Empty)}, {o.Health ?? "not registered"}, {(input.InRotation.Contains(n) ? "in rotation" : "out of rotation")})"
            : $"{n} (not registered)";
        if (batch.ReleasedAt is { } released && input.Now - released > input.Plan.BatchTimeout)
        {
            Halt(step, "batch_timeout", $"not back in rotation {input.Plan.BatchTimeout.TotalSeconds:0} s after the release: {string.Join(", ", pending.Select(Describe))}", k, forceRevert: false);
            return;
        }

        step.Nudge.AddRange(pending.Where(n => input.Nodes.GetValueOrDefault(n)?.Status is not (DeployStates.Succeeded or DeployStates.Superseded)));
        step.Set(step.P with { Detail = $"batch {k + 1} of {step.P.Batches.Count}: waiting for {string.Join(", ", pending.Select(Describe))}" }, structural: false);
    }

    private static void Bake(Step step, int k, BatchProgress batch, IReadOnlyList<string> live)
    {
        var input = step.In;
        if (batch.BakeEpoch != input.Epoch || input.Measurement is null)
        {
            // A new advancer (or one that restarted) has no baseline of its own: the bake starts again with its counters.
            step.SetBatch(k, batch with { InRotationAt = input.Now, BakeEpoch = input.Epoch, Detail = $"bake restarted by {input.Advancer} (epoch {input.Epoch})" });
            step.Baseline = k;
            return;
        }

        var baked = input.Now - (batch.InRotationAt ?? input.Now);
        var verdict = GateEvaluator.Evaluate(input.Plan, live, input.Nodes, input.Measurement, baked);
        if (verdict.Failed is { } failed)
        {
            step.SetBatch(k, batch with { Gates = verdict.Gates });
            Halt(step, failed.Name, $"{failed.Name} {failed.Measured}, threshold {failed.Threshold}", k, forceRevert: false);
            return;
        }

        if (verdict.Passed)
        {
            step.SetBatch(k, batch with { State = RolloutStates.BatchPassed, Gates = verdict.Gates, FinishedAt = input.Now, Detail = "passed" });
            if (k + 1 >= input.Plan.Batches.Count)
            {
                Succeed(step);
            }
            else if (step.P.State != RolloutStates.Paused)
            {
                Release(step, k + 1);
            }

            return;
        }

        var list = step.P.Batches.ToList();
        list[k] = batch with { Gates = verdict.Gates };
        step.Set(step.P with { Batches = list, Detail = $"batch {k + 1} of {step.P.Batches.Count} baking: {baked.TotalSeconds:0} of {Math.Max(input.Plan.Bake.TotalSeconds, input.Plan.MinHealthyTime.TotalSeconds):0} s" }, structural: false);
    }

    private static void Release(Step step, int k)
    {
        var input = step.In;
        var batch = step.P.Batches[k];
        var others = input.InRotation.Count(n => !batch.Nodes.Contains(n, StringComparer.Ordinal));
        if (others < input.Plan.MinHealthy)
        {
            var since = step.P.BlockedSince ?? input.Now;
            if (input.Now - since > input.Plan.BatchTimeout)
            {
                Halt(step, "min_healthy", $"only {others} other server(s) in rotation, min_healthy {input.Plan.MinHealthy}, for longer than {input.Plan.BatchTimeout.TotalSeconds:0} s", k, forceRevert: false);
                return;
            }

            step.Set(step.P with { BlockedSince = since }, structural: step.P.BlockedSince is null);
            step.Set(step.P with { Detail = $"batch {k + 1} waits: {others} other server(s) in rotation, min_healthy {input.Plan.MinHealthy}" }, structural: false);
            return;
        }

        var live = batch.Nodes.Where(n => input.Nodes.GetValueOrDefault(n)?.Live == true).ToList();
        var skipped = batch.Nodes.Except(live).ToList();
        step.SetBatch(k, batch with
        {
            State = live.Count == 0 ? RolloutStates.BatchPassed : RolloutStates.BatchReleased,
            ReleasedAt = input.Now,
            FinishedAt = live.Count == 0 ? input.Now : null,
            Skipped = skipped,
            Detail = live.Count == 0 ? "no node of the batch is live; they deploy when they come back" : "released",
        });
        step.Set(step.P with { Released = k + 1, BlockedSince = null, Detail = $"batch {k + 1} of {step.P.Batches.Count} released: {string.Join(", ", batch.Nodes)}" });
        step.Nudge.AddRange(live);
        step.Announce(NotificationEventTypes.DeployBatchReleased,
            $"{input.App}: sequence {input.Sequence} batch {k + 1} of {input.Plan.Batches.Count} released ({string.Join(", ", batch.Nodes)})",
            new JsonObject { ["batch"] = k + 1, ["nodes"] = new JsonArray([.. batch.Nodes.Select(n => (JsonNode?)n)]), ["skipped"] = new JsonArray([.. skipped.Select(n => (JsonNode?)n)]) },
            (k + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (live.Count == 0 && k + 1 >= input.Plan.Batches.Count)
        {
            Succeed(step);
        }
    }

    private static void Succeed(Step step)
    {
        step.Set(step.P with { State = RolloutStates.Succeeded, FinishedAt = step.In.Now, Detail = $"all {step.P.Batches.Count} batch(es) passed" });
        step.Announce(NotificationEventTypes.DeploySucceeded,
            $"{step.In.App}: sequence {step.In.Sequence} ({step.In.Revision ?? "default ref"}) rolled out to every batch",
            new JsonObject { ["nodes"] = step.In.Plan.Nodes.Count() });
    }

    private static void Halt(Step step, string gate, string reason, int batch, bool forceRevert)
    {
        var input = step.In;
        var revert = input.Plan.AutoRevert || forceRevert;
        if (batch < step.P.Batches.Count && step.P.Batches[batch].State is RolloutStates.BatchReleased or RolloutStates.BatchBaking)
        {
            step.SetBatch(batch, step.P.Batches[batch] with { State = RolloutStates.BatchFailed, FinishedAt = input.Now, Detail = $"{gate}: {reason}" });
        }

        var halt = new RolloutHalt { Gate = gate, Reason = reason, Batch = batch + 1, At = input.Now };
        step.Set(step.P with
        {
            State = revert ? RolloutStates.RollingBack : RolloutStates.Halted,
            Revert = revert,
            Halt = halt,
            FinishedAt = revert ? null : input.Now,
            Detail = revert ? "halted; nodes that moved switch back" : "halted; nodes that moved stay, the others were never touched",
        });
        var gates = step.P.Batches.ElementAtOrDefault(batch)?.Gates ?? [];
        step.Announce(NotificationEventTypes.DeployHalted,
            $"{input.App}: sequence {input.Sequence} halted at batch {batch + 1}: {gate}: {reason}",
            new JsonObject
            {
                ["batch"] = batch + 1,
                ["gate"] = gate,
                ["reason"] = reason,
                ["auto_revert"] = revert,
                ["gates"] = new JsonArray([.. gates.Select(g => (JsonNode?)new JsonObject { ["name"] = g.Name, ["measured"] = g.Measured, ["threshold"] = g.Threshold, ["ok"] = g.Ok })]),
            });
        if (revert)
        {
            RollBack(step);
        }
    }

    /// <summary>Nodes of released batches switch back; the rollout is rolled back once none of them is on the sequence.</summary>
    private static void RollBack(Step step)
    {
        var input = step.In;
        var moved = step.P.Batches.Take(step.P.Released).SelectMany(b => b.Nodes).ToList();
        var pending = moved.Where(n => input.Nodes.GetValueOrDefault(n)?.Status is DeployStates.Succeeded or DeployStates.Deploying or DeployStates.Superseded).ToList();
        var reverted = moved.Where(n => input.Nodes.GetValueOrDefault(n)?.Status == DeployStates.RolledBack).ToList();
        if (pending.Count == 0)
        {
            step.Set(step.P with { State = RolloutStates.RolledBack, FinishedAt = input.Now, Detail = $"rolled back: {(reverted.Count == 0 ? "no node had moved" : string.Join(", ", reverted) + " back on their previous release")}" });
            step.Announce(NotificationEventTypes.DeployRolledBack,
                $"{input.App}: sequence {input.Sequence} rolled back ({(reverted.Count == 0 ? "no node had moved" : string.Join(", ", reverted))}); nodes that had not moved were never touched",
                new JsonObject
                {
                    ["gate"] = step.P.Halt?.Gate,
                    ["reason"] = step.P.Halt?.Reason,
                    ["nodes"] = new JsonArray([.. reverted.Select(n => (JsonNode?)n)]),
                });
            return;
        }

        var since = step.P.Halt?.At ?? input.Now;
        if (input.Now - since > input.Plan.BatchTimeout)
        {
            var stuck = string.Join(", ", pending.Select(n => $"{n} ({input.Nodes.GetValueOrDefault(n)?.Status ?? "?"}{(input.Nodes.GetValueOrDefault(n)?.Live == true ? string.Empty : ", not live")})"));
            step.Set(step.P with { State = RolloutStates.Failed, FinishedAt = input.Now, Detail = $"rollback did not finish: {stuck}" });
            step.Announce(NotificationEventTypes.DeployFailed,
                $"{input.App}: sequence {input.Sequence}: rollback did not finish within {input.Plan.BatchTimeout.TotalSeconds:0} s: {stuck}",
                new JsonObject { ["gate"] = step.P.Halt?.Gate, ["reason"] = step.P.Halt?.Reason, ["stuck"] = new JsonArray([.. pending.Select(n => (JsonNode?)n)]) });
            return;
        }

        step.Nudge.AddRange(pending);
        step.Set(step.P with { Detail = $"switching back: {string.Join(", ", pending)}" }, structural: false);
    }
}
