using System.Text.Json;
using System.Text.Json.Serialization;
using NodeAgent.FileSystem;

namespace NodeAgent.Roles.Db.MariaDb.Replication;

/// <summary>
/// What this node's agent knows about its own replication across restarts, in <c>&lt;state_dir&gt;/mariadb/replication.json</c>
/// (written atomically): that the replica was seeded (from which dump), or that <c>db promote</c> made it the primary
/// at an epoch. A seeded replica whose replication was later reset by hand is reported, never seeded over again.
/// </summary>
public sealed record LocalReplicationState
{
    public const string Seeded = "seeded";
    public const string Promoted = "promoted";

    /// <summary><c>seeded</c> or <c>promoted</c>.</summary>
    public required string State { get; init; }

    public string? Dump { get; init; }

    public long Epoch { get; init; }

    public DateTimeOffset Since { get; init; }

    public static string PathUnder(string stateDir) => System.IO.Path.Combine(stateDir, "mariadb", "replication.json");

    public static LocalReplicationState? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var bytes = File.ReadAllBytes(path);
        try
        {
            var state = bytes.Length <= 4096 ? JsonSerializer.Deserialize(bytes, LocalReplicationStateJson.Default.LocalReplicationState) : null;
            return state is { State: Seeded or Promoted } ? state : throw new InvalidDataException($"{path} is not a replication state");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path} is not a valid replication state: {ex.Message}", ex);
        }
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(this, LocalReplicationStateJson.Default.LocalReplicationState));
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(LocalReplicationState))]
internal sealed partial class LocalReplicationStateJson : JsonSerializerContext;
