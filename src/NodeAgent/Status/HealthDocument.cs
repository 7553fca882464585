using System.Text.Json.Serialization;

namespace NodeAgent.Status;

/// <summary>The body of <c>GET /healthz</c>: <c>{"status":"ready","node":…,"role":…,"cluster":…,"reasons":[…],"checks":{…}}</c>.</summary>
public sealed record HealthDocument(
    string Status,
    string Node,
    string Role,
    string Cluster,
    IReadOnlyList<string> Reasons,
    IReadOnlyDictionary<string, HealthCheckDocument> Checks);

/// <summary>One readiness check in <see cref="HealthDocument.Checks"/>.</summary>
public sealed record HealthCheckDocument(bool Ready, string Detail, DateTimeOffset Since);

/// <summary>Source-generated JSON of the status endpoint (no reflection: the installed agent is NativeAOT).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(HealthDocument))]
internal sealed partial class StatusJson : JsonSerializerContext;
