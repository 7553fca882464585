using System.Globalization;
using NodeAgent.Registry;
using NodeAgent.Roles.Web.Rollout;

namespace NodeAgent.Roles.Lb.Rollout;

/// <summary>
/// Judges a baking batch against the plan's gates, from what this lb sees (pure):
/// <list type="bullet">
/// <item><c>check</c>: every node's server is in rotation here and UP by HAProxy's checks;</item>
/// <item><c>node_health</c>: every node reports itself healthy in the registry (its own check);</item>
/// <item><c>error_rate</c>: 5xx and failed responses of the batch's servers since the bake began, over all their
/// responses — judged once there are <c>min_requests</c>; the rest's rate is shown beside it;</item>
/// <item><c>response_time</c>: the batch's mean response time (HAProxy's <c>rtime</c>) against the rest's, with a
/// floor of <see cref="ResponseTimeFloorMs"/> under the baseline (HAProxy counts whole milliseconds);</item>
/// <item><c>min_healthy_time</c> and the bake: time since every node was back in rotation.</item>
/// </list>
/// A failing gate fails the batch at once; the batch passes when the bake and the minimum healthy time are over and
/// nothing failed.
/// </summary>
public static class GateEvaluator
{
    /// <summary>A baseline below this counts as this much: on a fast network, 0 ms against 1 ms is no regression.</summary>
    public const double ResponseTimeFloorMs = 25;

    public sealed record Verdict(IReadOnlyList<GateResult> Gates, GateResult? Failed, bool Passed);

    public static Verdict Evaluate(RolloutPlan plan, IReadOnlyList<string> batch, IReadOnlyDictionary<string, NodeObservation> nodes, GateMeasurement measured, TimeSpan baked)
    {
        var gates = new List<GateResult>();
        var live = batch.Where(n => nodes.GetValueOrDefault(n)?.Live == true).ToList();

        var outOfRotation = live.Where(n => nodes[n] is { InRotation: false } || !(nodes[n].Server?.StartsWith("UP", StringComparison.Ordinal) ?? false)).ToList();
        gates.Add(new GateResult
        {
            Name = "check",
            Measured = outOfRotation.Count == 0 ? $"{live.Count} of {live.Count} UP" : string.Join(", ", outOfRotation.Select(n => $"{n} {nodes[n].Server ?? "not in HAProxy"}")),
            Threshold = "every server UP",
            Ok = outOfRotation.Count == 0,
        });

        var unhealthy = live.Where(n => nodes[n].Health != NodeHealth.Healthy).ToList();
        gates.Add(new GateResult
        {
            Name = "node_health",
            Measured = unhealthy.Count == 0 ? $"{live.Count} of {live.Count} healthy" : string.Join(", ", unhealthy.Select(n => $"{n} {nodes[n].Health ?? "not registered"}")),
            Threshold = "every node healthy",
            Ok = unhealthy.Count == 0,
        });

        var judged = measured.BatchResponses >= Math.Max(1, plan.Gates.MinRequests);
        if (plan.Gates.ErrorRate > 0)
        {
            var rate = measured.BatchResponses == 0 ? 0 : (double)measured.BatchErrors / measured.BatchResponses;
            var restRate = measured.RestResponses == 0 ? 0 : (double)measured.RestErrors / measured.RestResponses;
            gates.Add(new GateResult
            {
                Name = "error_rate",
                Value = rate,
                Limit = plan.Gates.ErrorRate,
                Measured = $"{RolloutGates.Percent(rate)} ({measured.BatchErrors} of {measured.BatchResponses} responses; rest {RolloutGates.Percent(restRate)})"
                           + (judged ? string.Empty : $"; not judged below {plan.Gates.MinRequests} requests"),
                Threshold = $"< {RolloutGates.Percent(plan.Gates.ErrorRate)}",
                Ok = !judged || rate < plan.Gates.ErrorRate,
                Pending = !judged,
            });
        }

        if (plan.Gates.ResponseTime > 0)
        {
            var baseline = Math.Max(measured.RestResponseTimeMs, ResponseTimeFloorMs);
            var limit = baseline * plan.Gates.ResponseTime;
            gates.Add(new GateResult
            {
                Name = "response_time",
                Value = measured.BatchResponseTimeMs,
                Limit = limit,
                Measured = $"{Ms(measured.BatchResponseTimeMs)} mean (rest {Ms(measured.RestResponseTimeMs)})" + (judged ? string.Empty : $"; not judged below {plan.Gates.MinRequests} requests"),
                Threshold = $"< {plan.Gates.ResponseTime.ToString("0.##", CultureInfo.InvariantCulture)}x baseline ({Ms(limit)})",
                Ok = !judged || measured.BatchResponseTimeMs <= limit,
                Pending = !judged,
            });
        }

        var healthyFor = baked;
        gates.Add(new GateResult
        {
            Name = "min_healthy_time",
            Value = healthyFor.TotalSeconds,
            Limit = plan.MinHealthyTime.TotalSeconds,
            Measured = $"{healthyFor.TotalSeconds:0.#} s",
            Threshold = $">= {plan.MinHealthyTime.TotalSeconds:0.#} s (bake {plan.Bake.TotalSeconds:0.#} s)",
            Ok = true,
            Pending = healthyFor < plan.MinHealthyTime || healthyFor < plan.Bake,
        });

        var failed = gates.FirstOrDefault(g => !g.Ok);
        return new Verdict(gates, failed, failed is null && healthyFor >= plan.MinHealthyTime && healthyFor >= plan.Bake);
    }

    private static string Ms(double ms) => ms.ToString("0.#", CultureInfo.InvariantCulture) + " ms";
}
