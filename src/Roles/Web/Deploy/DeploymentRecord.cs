namespace NodeAgent.Roles.Web.Deploy;

/// <summary>
/// <c>&lt;cluster&gt;/deployments/&lt;seq&gt;.json</c>: who published what under this sequence, and which nodes were
/// nudged. Created with If-None-Match, so it doubles as the claim on the sequence number.
/// </summary>
public sealed record DeploymentRecord
{
    public int Schema { get; init; } = 1;

    public required string Cluster { get; init; }

    public required string App { get; init; }

    public required long Sequence { get; init; }

    public string? Revision { get; init; }

    public required DateTimeOffset PublishedAt { get; init; }

    public string? PublishedBy { get; init; }

    public required string Nonce { get; init; }

    /// <summary>Node ids sent a deploy message (filled in after the fan-out).</summary>
    public IReadOnlyList<string> Targets { get; init; } = [];

    /// <summary>Nodes whose queue could not be reached; they catch up at their next safety poll.</summary>
    public IReadOnlyList<string> Unreached { get; init; } = [];

    public DateTimeOffset? FannedOutAt { get; init; }
}
