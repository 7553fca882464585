namespace NodeAgent.Roles.Web.Rollout;

/// <summary>One gate of one batch as last measured: its name, the value and the limit as numbers and as text, and whether it holds.</summary>
public sealed record GateResult
{
    /// <summary><c>check</c>, <c>node_health</c>, <c>error_rate</c>, <c>response_time</c>, <c>min_healthy_time</c>.</summary>
    public required string Name { get; init; }

    public double? Value { get; init; }

    public double? Limit { get; init; }

    /// <summary>E.g. <c>3.2% (24 of 750 responses)</c>.</summary>
    public required string Measured { get; init; }

    /// <summary>E.g. <c>&lt; 1%</c>.</summary>
    public required string Threshold { get; init; }

    public bool Ok { get; init; }

    /// <summary>Not judged yet (too few requests); counts as holding.</summary>
    public bool Pending { get; init; }
}
