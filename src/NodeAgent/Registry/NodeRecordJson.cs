using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using NodeAgent.Configuration;

namespace NodeAgent.Registry;

/// <summary>Serialises registry records and validates what is read back: other nodes' objects are untrusted input.</summary>
public static class NodeRecordJson
{
    public const int MaxBytes = 64 * 1024;

    /// <summary>The settings of the source-generated <see cref="NodeRecordJsonContext"/> (no reflection: the installed
    /// agent is NativeAOT).</summary>
    public static JsonSerializerOptions Options => NodeRecordJsonContext.Default.Options;

    public static byte[] Serialize(NodeRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, NodeRecordJsonContext.Default.NodeRecord);

    /// <summary>Parses and checks a record read from <paramref name="key"/>; returns the reason when it is unusable.</summary>
    public static (NodeRecord? Record, string? Error) Parse(string key, ReadOnlySpan<byte> content, string cluster, string role)
    {
        if (content.Length > MaxBytes)
        {
            return (null, $"object is {content.Length} bytes; at most {MaxBytes} are accepted");
        }

        NodeRecord? record;
        try
        {
            record = JsonSerializer.Deserialize(content, NodeRecordJsonContext.Default.NodeRecord);
        }
        catch (JsonException ex)
        {
            return (null, $"malformed JSON: {ex.Message.Split(" Path:")[0]}");
        }

        if (record is null)
        {
            return (null, "object is JSON null");
        }

        var expectedName = key[(key.LastIndexOf('/') + 1)..];
        string? error = record switch
        {
            { Schema: not NodeRecord.CurrentSchema } => $"schema {record.Schema} is not {NodeRecord.CurrentSchema}",
            _ when record.Cluster != cluster => $"cluster '{record.Cluster}' does not match the key's cluster '{cluster}'",
            _ when record.Role != role => $"role '{record.Role}' does not match the key's role '{role}'",
            _ when !Names.IsNodeId(record.NodeId) => "node_id is not a valid node id",
            _ when expectedName != record.NodeId + ".json" => $"node_id '{record.NodeId}' does not match the key",
            _ when !IPAddress.TryParse(record.Address, out _) => $"address '{record.Address}' is not an IP address",
            _ when !NodeHealth.All.Contains(record.Health) => $"health '{record.Health}' is not one of {string.Join(", ", NodeHealth.All)}",
            _ when record.Ports.Any(p => p.Value is < 1 or > 65535) => "a port is outside 1-65535",
            _ when record.Apps.Keys.Any(a => !Names.App().IsMatch(a)) => "an app name is invalid",
            _ when record.QueueUrl is { } q && !Uri.TryCreate(q, UriKind.Absolute, out _) => "queue_url is not an absolute URL",
            _ when record.DnsName is { } d && !Names.DnsName().IsMatch(d) => "dns_name is not a DNS name",
            _ when record.Balancer is { } b && !IsValid(b) => "balancer view is invalid",
            _ => null,
        };
        return error is null ? (record, null) : (null, error);
    }

    private static bool IsValid(BalancerView view)
        => view.Servers.Count <= BalancerView.MaxServers
           && view.Servers.All(s => Names.App().IsMatch(s.App) && Names.IsNodeId(s.Server)
                                    && IPAddress.TryParse(s.Address, out _) && s.Port is >= 0 and <= 65535 && s.State.Length <= 16);
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(NodeRecord))]
internal sealed partial class NodeRecordJsonContext : JsonSerializerContext;
