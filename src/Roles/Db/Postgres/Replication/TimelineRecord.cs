using System.Text.Json.Serialization;

namespace NodeAgent.Roles.Db.Postgres.Replication;

/// <summary>
/// <c>PREFIX/timelines/TLI.json</c>: who promoted which timeline, with which epoch of the writers' name, why, and the
/// agent's clock just before <c>pg_promote</c>. A restore to a time before <see cref="PromotedAt"/> stays on the parent
/// timeline; a restore to a later time follows this one (the history file says where it branched).
/// </summary>
public sealed record TimelineRecord
{
    public required long Timeline { get; init; }

    public required string Node { get; init; }

    public long Epoch { get; init; }

    public required string Reason { get; init; }

    public required DateTimeOffset PromotedAt { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TimelineRecord))]
internal sealed partial class TimelineRecordJson : JsonSerializerContext;
