using System.Globalization;

namespace NodeAgent.Roles.Web.Rollout;

/// <summary>
/// What a batch must show while it bakes, measured by the active lb for the batch's servers against the rest of the
/// app's servers (docs/deploys.md#gates). Part of the signed plan.
/// </summary>
public sealed record RolloutGates
{
    /// <summary>Largest share of the batch's responses that may be 5xx (or server errors): <c>error_rate &lt; 1%</c>.
    /// 0 turns the gate off.</summary>
    public double ErrorRate { get; init; } = 0.01;

    /// <summary>The batch's mean response time may be at most this many times the rest's: <c>response_time &lt; 2x
    /// baseline</c>. 0 turns the gate off.</summary>
    public double ResponseTime { get; init; } = 2.0;

    /// <summary>The rate and time gates judge a batch only once its servers answered this many requests in the bake.</summary>
    public int MinRequests { get; init; } = 20;

    public string? Check() => this switch
    {
        { ErrorRate: < 0 or > 1 } or { ErrorRate: double.NaN } => "gates.error_rate must be between 0 and 100%",
        { ResponseTime: double.NaN } or { ResponseTime: < 0 or > 1000 } => "gates.response_time must be between 0 (off) and 1000x",
        { ResponseTime: > 0 and < 1 } => "gates.response_time below 1x would fail every batch",
        { MinRequests: < 0 or > 10_000_000 } => "gates.min_requests must be between 0 and 10,000,000",
        _ => null,
    };

    public string Describe() => string.Join(", ", new[]
    {
        ErrorRate > 0 ? $"error_rate < {Percent(ErrorRate)}" : "error_rate off",
        ResponseTime > 0 ? $"response_time < {ResponseTime.ToString("0.##", CultureInfo.InvariantCulture)}x baseline" : "response_time off",
        $"min_requests {MinRequests}",
    });

    public static string Percent(double fraction) => (fraction * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";
}
