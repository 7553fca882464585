namespace NodeAgent.Roles.Web.Rollout;

/// <summary>An event the rollout announced (id and type): a new advancer announces again those it finds, with the same id.</summary>
public sealed record RolloutEventRecord
{
    public required string Id { get; init; }

    public required string Type { get; init; }

    public required DateTimeOffset At { get; init; }

    public string? Summary { get; init; }
}
