using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace NodeAgent.Roles.Web.Deploy;

/// <summary>
/// JSON settings for every deploy document (desired state, deployment and status records, local state, the lock owner).
/// Source-generated (<see cref="DeployJsonContext"/>): the installed agent is NativeAOT and has no reflection-based
/// serialiser, and the build and tests use the same metadata, so a document type missing from the context fails in
/// the tests too.
/// </summary>
public static class DeployJson
{
    /// <summary>Objects read back larger than this are refused (they are small records).</summary>
    public const int MaxBytes = 64 * 1024;

    public static JsonSerializerOptions Options => DeployJsonContext.Default.Options;

    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, TypeInfo<T>());

    /// <summary>Parses a record; returns the reason instead of throwing when it is unusable.</summary>
    public static (T? Value, string? Error) Parse<T>(ReadOnlySpan<byte> content)
        where T : class
    {
        if (content.Length > MaxBytes)
        {
            return (null, $"document is {content.Length} bytes; at most {MaxBytes} are accepted");
        }

        var typeInfo = TypeInfo<T>();
        try
        {
            var value = JsonSerializer.Deserialize(content, typeInfo);
            return value is null ? (null, "document is JSON null") : (value, null);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException or ArgumentException or FormatException or OverflowException)
        {
            return (null, $"malformed JSON: {NodeAgent.Configuration.SafeText.Escape(ex.Message.Split(" Path:")[0], 200)}");
        }
    }

    /// <summary>The generated metadata of <typeparamref name="T"/>; throws for a type the context does not list.</summary>
    public static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(DesiredRelease))]
[JsonSerializable(typeof(DeploymentRecord))]
[JsonSerializable(typeof(DeploymentStatus))]
[JsonSerializable(typeof(AppDeployState))]
[JsonSerializable(typeof(LockOwner))]
[JsonSerializable(typeof(Rollout.RolloutProgress))]
[JsonSerializable(typeof(Rollout.RolloutControl))]
[JsonSerializable(typeof(Dictionary<string, long>))]
[JsonSerializable(typeof(Dictionary<string, object>))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(long))]
internal sealed partial class DeployJsonContext : JsonSerializerContext;
