using System.Globalization;
using System.Text.Json;

namespace NodeAgent.Instance;

/// <summary>
/// What instance metadata says about this instance's fate, read in one round: the Auto Scaling target lifecycle state,
/// a spot interruption notice and a rebalance recommendation. Each is null when metadata has none (404). Parsed
/// defensively: a notice whose body cannot be read still counts as a notice (with the default deadline), because a
/// spot interruption happens whether or not its JSON is what we expect.
/// </summary>
public sealed record InstanceNotices
{
    /// <summary>A spot interruption comes two minutes before the instance is stopped or terminated.</summary>
    public static readonly TimeSpan SpotWarning = TimeSpan.FromMinutes(2);

    private const int MaxBody = 4096;

    /// <summary><c>autoscaling/target-lifecycle-state</c>: <c>InService</c>, <c>Terminated</c>, <c>Standby</c>, <c>Warmed:*</c>…</summary>
    public string? TargetLifecycleState { get; init; }

    public SpotInterruption? Spot { get; init; }

    /// <summary><c>events/recommendations/rebalance</c>: when EC2 recommended rebalancing.</summary>
    public DateTimeOffset? RebalanceRecommendedAt { get; init; }

    /// <summary>True when the group has started terminating the instance.</summary>
    public bool ScaleIn => TargetLifecycleState == "Terminated";

    public static InstanceNotices Parse(string? targetLifecycleState, string? spotAction, string? rebalance, DateTimeOffset now) => new()
    {
        TargetLifecycleState = ParseState(targetLifecycleState),
        Spot = spotAction is null ? null : ParseSpot(spotAction, now),
        RebalanceRecommendedAt = rebalance is null ? null : ParseTime(rebalance, "noticeTime") ?? now,
    };

    private static string? ParseState(string? text)
    {
        var value = text?.Trim();
        return value is { Length: > 0 and <= 64 } && value.All(c => char.IsAsciiLetter(c) || c == ':') ? value : value is null ? null : "(unrecognized)";
    }

    private static SpotInterruption ParseSpot(string text, DateTimeOffset now)
    {
        var action = "terminate";
        try
        {
            if (text.Length <= MaxBody)
            {
                using var doc = JsonDocument.Parse(text);
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("action", out var a) && a.ValueKind == JsonValueKind.String
                    && a.GetString() is "terminate" or "stop" or "hibernate")
                {
                    action = a.GetString()!;
                }
            }
        }
        catch (JsonException)
        {
            // Unreadable: still an interruption, with the documented two minutes.
        }

        return new SpotInterruption(action, ParseTime(text, "time") ?? now + SpotWarning);
    }

    private static DateTimeOffset? ParseTime(string text, string property)
    {
        if (text.Length > MaxBody)
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(property, out var t) && t.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParse(t.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
                ? at
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>A spot interruption notice: what EC2 will do to the instance (<c>terminate</c>, <c>stop</c>, <c>hibernate</c>) and when.</summary>
public sealed record SpotInterruption(string Action, DateTimeOffset At);
