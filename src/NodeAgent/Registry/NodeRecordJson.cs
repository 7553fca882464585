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
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException or ArgumentException or FormatException or OverflowException)
        {
            return (null, $"malformed JSON: {SafeText.Escape(ex.Message.Split(" Path:")[0], 200)}");
        }

        if (record is null)
        {
            return (null, "object is JSON null");
        }

        var expectedName = key[(key.LastIndexOf('/') + 1)..];
        var error = Check(record, cluster, role);
        if (error is null && expectedName != record.NodeId + ".json")
        {
            error = $"node_id '{SafeText.Escape(record.NodeId)}' does not match the key";
        }

        return error is null ? (record, null) : (null, error);
    }

    /// <summary>
    /// Why <paramref name="record"/> may not be used (or written), or null. The same checks run before a node writes its
    /// own record and on every record read back: names and addresses through the kernel's validators, and no control
    /// character in any text that could reach a generated file, a log line or a command.
    /// </summary>
    public static string? Check(NodeRecord record, string cluster, string role) => record switch
    {
        { Schema: not NodeRecord.CurrentSchema } => $"schema {record.Schema} is not {NodeRecord.CurrentSchema}",
        _ when record.Cluster != cluster => $"cluster '{SafeText.Escape(record.Cluster)}' does not match the key's cluster '{cluster}'",
        _ when record.Role != role => $"role '{SafeText.Escape(record.Role)}' does not match the key's role '{role}'",
        _ when !Names.IsNodeId(record.NodeId) => $"node_id is not a valid node id: '{SafeText.Escape(record.NodeId)}'",
        _ when !Names.IsNodeId(record.InstanceId) => "instance_id is not a valid instance id",
        _ when !Addresses.IsAddress(record.Address) => $"address '{SafeText.Escape(record.Address)}' is not an IP address",
        _ when record.PublicAddress is { } p && !Addresses.IsAddress(p) => $"public_address '{SafeText.Escape(p)}' is not an IP address",
        _ when record.AvailabilityZone is { } z && !Token(z, 64) => "availability_zone is not a short name",
        _ when !NodeHealth.All.Contains(record.Health) => $"health '{SafeText.Escape(record.Health)}' is not one of {string.Join(", ", NodeHealth.All)}",
        _ when record.Ports.Count > 32 || record.Ports.Keys.Any(k => !Token(k, 32)) => "a port name is invalid",
        _ when record.Ports.Any(p => p.Value is < 1 or > 65535) => "a port is outside 1-65535",
        _ when record.Apps.Count > 1000 || record.Apps.Keys.Any(a => !Names.IsApp(a)) => "an app name is invalid",
        _ when record.Apps.Values.Any(a => a is null || (a.Release is { } r && !Token(r, 200)) || (a.Revision is { } v && !Token(v, 200)) || a.Sequence is < 0 or > MaxSequence)
            => "an app's release, revision or sequence is invalid",
        _ when record.QueueUrl is { } q && !IsQueueUrl(q) => "queue_url is not an absolute http(s) URL",
        _ when record.DnsName is { } d && !Names.IsDnsName(d) => "dns_name is not a DNS name",
        _ when record.AgentVersion is { } v && !Token(v, 64) => "agent_version is not a short version string",
        _ when record.Drain is { } drain && (!DrainInfo.IsId(drain.Id) || record.Health != NodeHealth.Draining) => "drain is invalid (a drain id on a draining node)",
        _ when record.Balancer is { } b && !IsValid(b) => "balancer view is invalid",
        _ when record.Database is { } d && Invalid(d) is { } why => $"database view is invalid: {why}",
        _ => null,
    };

    /// <summary>The largest sequence a record may report (JavaScript's largest exact integer, 2^53 - 1).</summary>
    public const long MaxSequence = 9_007_199_254_740_991;

    private static bool IsQueueUrl(string url)
        => url.Length <= 2048 && SafeText.IsPrintableAscii(url) && !url.Contains(' ')
           && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";

    /// <summary>A short token of letters, digits and <c>. _ - + :</c> (release ids, revisions, versions, zones).</summary>
    private static bool Token(string? value, int max)
        => value is { Length: > 0 } && value.Length <= max && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '+' or ':');

    /// <summary>What is wrong with a database view, or null. Positions are engine text (LSN, GTID set): short, printable, no spaces.</summary>
    private static string? Invalid(DatabaseView view) => view switch
    {
        _ when view.Role is null || !DatabaseView.Roles.Contains(view.Role) => $"role '{SafeText.Escape(view.Role)}' is not one of {string.Join(", ", DatabaseView.Roles)}",
        _ when view.Engine is null || !Names.IsApp(view.Engine) => "engine is not a name",
        _ when view.State is { } s && !Names.IsApp(s) => "state is not a name",
        _ when view.Timeline is < 0 => "timeline is negative",
        _ when !IsPosition(view.Position) || !IsPosition(view.ReplayPosition) => "a position is not of the form an engine writes",
        _ when view.LagBytes is < 0 => "lag_bytes is negative",
        _ when view.LagSeconds is { } l && (double.IsNaN(l) || l < 0) => "lag_seconds is negative",
        _ when view.Epoch < 0 => "epoch is negative",
        _ when view.Holds is { } h && !Names.IsDnsName(h) => "holds is not a DNS name",
        _ when view.Upstream is { } u && !Names.IsNodeId(u) => "upstream is not a node id",
        _ when view.Detail is { Length: > DatabaseView.MaxTextLength * 2 } || (view.Detail?.Any(char.IsControl) ?? false) => "detail is too long or has control characters",
        _ => null,
    };

    private static bool IsPosition(string? position)
        => position is null || (position.Length is > 0 and <= DatabaseView.MaxTextLength && position.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or ':' or '-' or ','));

    private static bool IsValid(BalancerView view)
        => view.Servers.Count <= BalancerView.MaxServers && Token(view.Process, 32)
           && view.Servers.All(s => s is not null && Names.IsApp(s.App) && Names.IsNodeId(s.Server)
                                    && Addresses.IsAddress(s.Address) && s.Port is >= 0 and <= 65535 && Token(s.State, 16));
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(NodeRecord))]
internal sealed partial class NodeRecordJsonContext : JsonSerializerContext;
