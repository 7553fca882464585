using System.CommandLine;
using NodeAgent.Configuration;
using NodeAgent.Roles.Web.Rollout;

namespace NodeAgent.Roles.Web.Cli;

/// <summary>
/// The rollout flags of <c>nodeagent deploy</c>: each overrides the app's <c>web.apps[].rollout</c> setting for this
/// publish only. Every value is checked like its user-data key, and every problem is reported at once.
/// </summary>
public sealed class RolloutOptions
{
    public Option<string?> Strategy { get; } = new("--strategy") { Description = "all_at_once, rolling or canary (default: the app's rollout.strategy, else all_at_once)." };

    public Option<string?> BatchSize { get; } = new("--batch-size") { Description = "Nodes per batch: a count (2) or a share (25%)." };

    public Option<string?> MinHealthy { get; } = new("--min-healthy") { Description = "Nodes kept in rotation while a batch deploys: a count or a share." };

    public Option<string?> Canary { get; } = new("--canary") { Description = "Nodes in the canary batch (strategy canary): a count or a share." };

    public Option<string?> Bake { get; } = new("--bake") { Description = "How long each batch bakes under traffic before the next is released (duration)." };

    public Option<string?> MinHealthyTime { get; } = new("--min-healthy-time") { Description = "How long each node of a batch must stay healthy (duration)." };

    public Option<string?> ErrorRate { get; } = new("--error-rate") { Description = "Gate: largest 5xx share of the batch's responses, e.g. 1% (or off)." };

    public Option<string?> ResponseTime { get; } = new("--response-time") { Description = "Gate: largest mean response time against the rest, e.g. 2x (or off)." };

    public Option<string?> MinRequests { get; } = new("--min-requests") { Description = "The rate and time gates judge a batch only after this many requests." };

    public Option<string?> AutoRevert { get; } = new("--auto-revert") { Description = "on or off: whether a halt switches the nodes that moved back." };

    public IEnumerable<Option> All => [Strategy, BatchSize, MinHealthy, Canary, Bake, MinHealthyTime, ErrorRate, ResponseTime, MinRequests, AutoRevert];

    /// <summary>The app's settings with the flags given applied, or every problem with the flags.</summary>
    public (RolloutSettings? Settings, IReadOnlyList<string> Errors) Apply(ParseResult parse, RolloutSettings configured)
    {
        var errors = new List<string>();
        var s = configured;
        if (parse.GetValue(Strategy) is { } strategy)
        {
            if (RolloutSettings.Strategies.TryGetValue(strategy, out var value))
            {
                s = s with { Strategy = value };
            }
            else
            {
                errors.Add($"--strategy must be all_at_once, rolling or canary, got '{SafeText.Escape(strategy)}'");
            }
        }

        s = Amount(parse, BatchSize, 1, errors) is { } batch ? s with { BatchSize = batch } : s;
        s = Amount(parse, MinHealthy, 0, errors) is { } min ? s with { MinHealthy = min } : s;
        s = Amount(parse, Canary, 1, errors) is { } canary ? s with { Canary = canary } : s;
        s = Duration(parse, Bake, TimeSpan.Zero, errors) is { } bake ? s with { Bake = bake } : s;
        s = Duration(parse, MinHealthyTime, TimeSpan.Zero, errors) is { } time ? s with { MinHealthyTime = time } : s;
        if (parse.GetValue(ErrorRate) is { } rate)
        {
            if (RolloutSettings.TryParseRate(rate, out var fraction))
            {
                s = s with { Gates = s.Gates with { ErrorRate = fraction } };
            }
            else
            {
                errors.Add($"--error-rate expects a share such as 1% or 0.5%, or off, got '{SafeText.Escape(rate)}'");
            }
        }

        if (parse.GetValue(ResponseTime) is { } factor)
        {
            if (RolloutSettings.TryParseFactor(factor, out var times))
            {
                s = s with { Gates = s.Gates with { ResponseTime = times } };
            }
            else
            {
                errors.Add($"--response-time expects a factor of the baseline such as 2x (1x to 1000x), or off, got '{SafeText.Escape(factor)}'");
            }
        }

        if (parse.GetValue(MinRequests) is { } requests)
        {
            if (int.TryParse(requests, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n <= 10_000_000)
            {
                s = s with { Gates = s.Gates with { MinRequests = n } };
            }
            else
            {
                errors.Add($"--min-requests expects a whole number from 0 to 10000000, got '{SafeText.Escape(requests)}'");
            }
        }

        if (parse.GetValue(AutoRevert) is { } revert)
        {
            if (revert is "on" or "off")
            {
                s = s with { AutoRevert = revert == "on" };
            }
            else
            {
                errors.Add($"--auto-revert expects on or off, got '{SafeText.Escape(revert)}'");
            }
        }

        return errors.Count == 0 ? (s, errors) : (null, errors);
    }

    private static RolloutAmount? Amount(ParseResult parse, Option<string?> option, int min, List<string> errors)
    {
        if (parse.GetValue(option) is not { } text)
        {
            return null;
        }

        if (RolloutAmount.TryParse(text, min, out var amount))
        {
            return amount;
        }

        errors.Add($"{option.Name} expects {RolloutAmount.Hint} (at least {min}), got '{SafeText.Escape(text)}'");
        return null;
    }

    private static TimeSpan? Duration(ParseResult parse, Option<string?> option, TimeSpan min, List<string> errors)
    {
        if (parse.GetValue(option) is not { } text)
        {
            return null;
        }

        if (DurationParser.TryParse(text, out var value) && value >= min && value <= TimeSpan.FromHours(12))
        {
            return value;
        }

        errors.Add($"{option.Name} expects a duration such as 30s or 5m (at most 12h), got '{SafeText.Escape(text)}'");
        return null;
    }
}
