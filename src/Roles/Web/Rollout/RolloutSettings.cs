using NodeAgent.Configuration;

namespace NodeAgent.Roles.Web.Rollout;

/// <summary>
/// <c>web.apps[].rollout</c>: how publishes of the app roll out, unless <c>nodeagent deploy</c> says otherwise
/// (<c>--strategy</c>, <c>--batch-size</c>, …). The publisher turns these into a signed <see cref="RolloutPlan"/>
/// (<see cref="BatchPlanner"/>). Defaults: all at once; for rolling and canary one node per batch, everyone else kept
/// in rotation, a 1 minute bake, 30 s of node health, <c>error_rate &lt; 1%</c>, <c>response_time &lt; 2x</c>,
/// auto-revert on.
/// </summary>
public sealed record RolloutSettings
{
    private static RolloutSettings Default => new();

    public RolloutStrategy Strategy { get; init; } = RolloutStrategy.AllAtOnce;

    public RolloutAmount BatchSize { get; init; } = RolloutAmount.Count(1);

    /// <summary>Nodes kept in rotation; null: every node not in the batch.</summary>
    public RolloutAmount? MinHealthy { get; init; }

    /// <summary>The canary batch (strategy canary).</summary>
    public RolloutAmount Canary { get; init; } = RolloutAmount.Count(1);

    public TimeSpan Bake { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan MinHealthyTime { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan BatchTimeout { get; init; } = TimeSpan.FromMinutes(10);

    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan HealthTimeout { get; init; } = TimeSpan.FromMinutes(1);

    public bool AutoRevert { get; init; } = true;

    public RolloutGates Gates { get; init; } = new();

    public static readonly IReadOnlyDictionary<string, RolloutStrategy> Strategies = new Dictionary<string, RolloutStrategy>
    {
        ["all_at_once"] = RolloutStrategy.AllAtOnce,
        ["rolling"] = RolloutStrategy.Rolling,
        ["canary"] = RolloutStrategy.Canary,
    };

    public static RolloutSettings Read(ConfigReader r) => new()
    {
        Strategy = r.Choice("strategy", Default.Strategy, Strategies),
        BatchSize = ReadAmount(r, "batch_size", 1) ?? Default.BatchSize,
        MinHealthy = ReadAmount(r, "min_healthy", 0),
        Canary = ReadAmount(r, "canary", 1) ?? Default.Canary,
        Bake = r.Duration("bake", Default.Bake, TimeSpan.Zero, TimeSpan.FromHours(12)),
        MinHealthyTime = r.Duration("min_healthy_time", Default.MinHealthyTime, TimeSpan.Zero, TimeSpan.FromHours(12)),
        BatchTimeout = r.Duration("batch_timeout", Default.BatchTimeout, TimeSpan.FromSeconds(5), TimeSpan.FromHours(12)),
        DrainTimeout = r.Duration("drain_timeout", Default.DrainTimeout, TimeSpan.Zero, TimeSpan.FromHours(1)),
        HealthTimeout = r.Duration("health_timeout", Default.HealthTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
        AutoRevert = r.Bool("auto_revert", Default.AutoRevert),
        Gates = r.Section("gates", ReadGates) ?? Default.Gates,
    };

    private static RolloutGates ReadGates(ConfigReader r)
    {
        var gates = new RolloutGates();
        if (r.String("error_rate", maxLength: 16) is { } rate)
        {
            if (TryParseRate(rate, out var fraction))
            {
                gates = gates with { ErrorRate = fraction };
            }
            else
            {
                r.Error("error_rate", $"expected a share such as 1% or 0.5%, or off, got '{SafeText.Escape(rate)}'");
            }
        }

        if (r.String("response_time", maxLength: 16) is { } factor)
        {
            if (TryParseFactor(factor, out var times))
            {
                gates = gates with { ResponseTime = times };
            }
            else
            {
                r.Error("response_time", $"expected a factor of the baseline such as 2x (1x to 1000x), or off, got '{SafeText.Escape(factor)}'");
            }
        }

        return gates with { MinRequests = r.Int("min_requests", gates.MinRequests, 0, 10_000_000) };
    }

    /// <summary><c>1%</c>, <c>0.5%</c> or <c>off</c>.</summary>
    public static bool TryParseRate(string text, out double fraction)
    {
        fraction = 0;
        if (text == "off")
        {
            return true;
        }

        if (!text.EndsWith('%') || !double.TryParse(text[..^1], System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var percent)
            || percent is <= 0 or > 100)
        {
            return false;
        }

        fraction = percent / 100;
        return true;
    }

    /// <summary><c>2x</c>, <c>1.5x</c> or <c>off</c>.</summary>
    public static bool TryParseFactor(string text, out double factor)
    {
        factor = 0;
        if (text == "off")
        {
            return true;
        }

        return text.EndsWith('x') && double.TryParse(text[..^1], System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out factor)
            && factor is >= 1 and <= 1000;
    }

    private static RolloutAmount? ReadAmount(ConfigReader r, string key, int min)
    {
        var text = r.String(key, maxLength: 16);
        if (text is null)
        {
            return null;
        }

        if (!RolloutAmount.TryParse(text, min, out var amount))
        {
            r.Error(key, $"expected {RolloutAmount.Hint} (at least {min}), got '{SafeText.Escape(text)}'");
            return null;
        }

        return amount;
    }
}
