using System.Text.Json;
using System.Text.Json.Serialization;
using NodeAgent.Configuration;
using NodeAgent.FileSystem;

namespace NodeAgent.Roles.Db.Replication;

/// <summary>
/// <c>&lt;state_dir&gt;/db/replication.json</c>: the role this node last served and the epoch of the writers' name it held
/// as primary, so a node that comes back knows what it held (a lease with a higher epoch means it was fenced). Written
/// atomically; a file that does not parse is reported and treated as absent.
/// </summary>
public sealed class EpochStore(AgentConfig config)
{
    private const int MaxBytes = 4096;

    public string Path => System.IO.Path.Combine(config.Node.StateDir, "db", "replication.json");

    public HeldEpoch? Load()
    {
        try
        {
            var info = new FileInfo(Path);
            if (!info.Exists || info.Length > MaxBytes)
            {
                return null;
            }

            var held = JsonSerializer.Deserialize(File.ReadAllBytes(Path), HeldEpochJson.Default.HeldEpoch);
            return held is { Epoch: >= 0 } && held.Role is "primary" or "replica" ? held : null;
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            return null;
        }
    }

    public void Save(HeldEpoch held)
    {
        if (Load() == held)
        {
            return;
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        AtomicFile.WriteAllBytes(Path, JsonSerializer.SerializeToUtf8Bytes(held, HeldEpochJson.Default.HeldEpoch));
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(HeldEpoch))]
internal sealed partial class HeldEpochJson : JsonSerializerContext;
