using System.Text.Json;
using System.Text.Json.Serialization;

namespace NodeAgent.Roles.Web.Deploy;

/// <summary>JSON settings for every deploy document (desired state, deployment and status records, local state).</summary>
public static class DeployJson
{
    /// <summary>Objects read back larger than this are refused (they are small records).</summary>
    public const int MaxBytes = 64 * 1024;

    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = false,
    };

    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    /// <summary>Parses a record; returns the reason instead of throwing when it is unusable.</summary>
    public static (T? Value, string? Error) Parse<T>(ReadOnlySpan<byte> content)
        where T : class
    {
        if (content.Length > MaxBytes)
        {
            return (null, $"document is {content.Length} bytes; at most {MaxBytes} are accepted");
        }

        try
        {
            var value = JsonSerializer.Deserialize<T>(content, Options);
            return value is null ? (null, "document is JSON null") : (value, null);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException or ArgumentException or FormatException or OverflowException)
        {
            return (null, $"malformed JSON: {NodeAgent.Configuration.SafeText.Escape(ex.Message.Split(" Path:")[0], 200)}");
        }
    }
}
