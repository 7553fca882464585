using NodeAgent.Roles.Lb.Haproxy;

namespace NodeAgent.Roles.Lb.Rollout;

/// <summary>
/// What the lb measured for a baking batch since its bake began (counters minus the baseline taken then) and for the
/// rest of the app's servers: the inputs of the error-rate and response-time gates.
/// </summary>
public sealed record GateMeasurement(
    long BatchResponses,
    long BatchErrors,
    double BatchResponseTimeMs,
    double RestResponseTimeMs,
    long RestResponses,
    long RestErrors,
    IReadOnlyDictionary<string, ServerStats> Servers)
{
    /// <summary>Counters of <paramref name="batch"/> now minus <paramref name="baseline"/>, and the rest's mean response time.</summary>
    public static GateMeasurement From(
        IReadOnlyCollection<string> batch, IReadOnlyList<ServerStats> now, IReadOnlyDictionary<string, ServerStats> baseline)
    {
        var servers = now.ToDictionary(s => s.Server, StringComparer.Ordinal);
        long responses = 0, errors = 0;
        var batchTimes = new List<(double Time, long Weight)>();
        foreach (var node in batch)
        {
            if (!servers.TryGetValue(node, out var current))
            {
                continue;
            }

            var before = baseline.GetValueOrDefault(node);
            // A server deleted and added again since the baseline starts from zero: then its counters are all new.
            var fresh = before is null || current.Responses < before.Responses || current.Errors < before.Errors;
            var dr = fresh ? current.Responses : current.Responses - before!.Responses;
            var de = fresh ? current.Errors : current.Errors - before!.Errors;
            responses += dr;
            errors += de;
            if (dr > 0)
            {
                batchTimes.Add((current.ResponseTimeMs, dr));
            }
        }

        var rest = now.Where(s => !batch.Contains(s.Server) && s.IsUp && s.Responses > 0).ToList();
        var restTime = rest.Count == 0 ? 0 : rest.Average(s => (double)s.ResponseTimeMs);
        var restResponses = rest.Sum(s => s.Responses - (baseline.GetValueOrDefault(s.Server)?.Responses ?? 0));
        var restErrors = rest.Sum(s => s.Errors - (baseline.GetValueOrDefault(s.Server)?.Errors ?? 0));
        var batchTime = batchTimes.Count == 0 ? 0 : batchTimes.Sum(t => t.Time * t.Weight) / batchTimes.Sum(t => t.Weight);
        return new GateMeasurement(responses, errors, batchTime, restTime, Math.Max(0, restResponses), Math.Max(0, restErrors), servers);
    }
}
