using System.Text.Json.Serialization;

namespace NodeAgent.Roles.Db.Replication.Switchover;

/// <summary>
/// Source-generated JSON of the switchover messages and records (the installed agent is NativeAOT: no reflection-based
/// serialiser). Snake-case names, nulls left out, unknown members refused — the settings these documents always had.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(DbPromoteMessage))]
[JsonSerializable(typeof(DbStopWritesMessage))]
[JsonSerializable(typeof(SwitchoverRecord))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class SwitchoverJson : JsonSerializerContext;
