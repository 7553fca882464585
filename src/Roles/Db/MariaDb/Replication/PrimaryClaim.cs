using System.Text.Json;
using System.Text.Json.Serialization;
using NodeAgent.Configuration;

namespace NodeAgent.Roles.Db.MariaDb.Replication;

/// <summary>
/// <c>&lt;cluster&gt;/replication/mariadb/primary.json</c>: which node is the MariaDB primary, at which fencing epoch. Absent
/// until the first promotion (epoch 0: the node configured as <c>mode: primary</c>). <c>nodeagent db promote</c> writes
/// it with the next epoch; every primary reads it each round and fences itself (<c>read_only</c>) when it names another
/// node at a higher epoch than its own. Untrusted input: bounded and validated on read.
/// </summary>
public sealed record PrimaryClaim
{
    public const int MaxBytes = 4096;

    public int Format { get; init; } = 1;

    public required string NodeId { get; init; }

    public required long Epoch { get; init; }

    public DateTimeOffset Since { get; init; }

    /// <summary>The primary this claim replaced, if any.</summary>
    public string? Previous { get; init; }

    public static string Key(string cluster) => $"{cluster}/replication/mariadb/primary.json";

    public byte[] ToJsonBytes() => JsonSerializer.SerializeToUtf8Bytes(this, PrimaryClaimJson.Default.PrimaryClaim);

    public static PrimaryClaim Parse(byte[] json, string key)
    {
        if (json.Length > MaxBytes)
        {
            throw new InvalidDataException($"{key} is {json.Length} bytes; at most {MaxBytes} are accepted");
        }

        PrimaryClaim? claim;
        try
        {
            claim = JsonSerializer.Deserialize(json, PrimaryClaimJson.Default.PrimaryClaim);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{key} is not a valid primary claim: {ex.Message}", ex);
        }

        return claim switch
        {
            null => throw new InvalidDataException($"{key} is empty"),
            { Format: not 1 } => throw new InvalidDataException($"{key} has format {claim.Format}; this agent reads 1"),
            _ when !Names.IsNodeId(claim.NodeId) => throw new InvalidDataException($"{key}: node_id is not a node id"),
            _ when claim.Previous is { } p && !Names.IsNodeId(p) => throw new InvalidDataException($"{key}: previous is not a node id"),
            { Epoch: < 1 } => throw new InvalidDataException($"{key}: epoch {claim.Epoch} is not 1 or more"),
            _ => claim,
        };
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(PrimaryClaim))]
internal sealed partial class PrimaryClaimJson : JsonSerializerContext;
