using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using NodeAgent.Configuration;

namespace NodeAgent.Roles.Db.Replication.Switchover;

/// <summary>
/// Body of a <c>db-promote</c> message (docs/messages.md): sent to a replica's queue by <c>nodeagent db promote</c> (or
/// any caller of <see cref="IDbSwitchover"/>), asking it to take over as primary in a planned switchover, optionally only
/// from the epoch the caller saw.
/// </summary>
public sealed partial record DbPromoteMessage
{
    public const string Type = "db-promote";

    public required string Cluster { get; init; }

    /// <summary>The replica that is to take over.</summary>
    public required string Target { get; init; }

    /// <summary>Refuse unless the writers' name is at this epoch (the caller's view must not be stale).</summary>
    public long? ExpectedEpoch { get; init; }

    public required string RequestId { get; init; }

    /// <summary>Who asked (a node id, or <c>cli</c>), for the records and logs.</summary>
    public required string RequestedBy { get; init; }

    public string Serialize() => JsonSerializer.Serialize(this, SwitchoverJson.Default.DbPromoteMessage);

    public static (DbPromoteMessage? Message, string? Error) Parse(string body)
    {
        if (body.Length > 2048)
        {
            return (null, "db-promote body is larger than 2 KiB");
        }

        DbPromoteMessage? message;
        try
        {
            message = JsonSerializer.Deserialize(body, SwitchoverJson.Default.DbPromoteMessage);
        }
        catch (JsonException ex)
        {
            return (null, $"db-promote body is not valid: {ex.Message.Split(" Path:")[0]}");
        }

        string? error = message switch
        {
            null => "db-promote body is JSON null",
            _ when !Names.Cluster().IsMatch(message.Cluster) => "cluster is not a valid cluster name",
            _ when !Names.IsNodeId(message.Target) => "target is not a valid node id",
            _ when message.ExpectedEpoch is < 1 => "expected_epoch must be 1 or more",
            _ when !RequestIds().IsMatch(message.RequestId) => "request_id must be 8-64 lower-case letters, digits or '-'",
            _ when message.RequestedBy is null || message.RequestedBy.Length > 64 || !Names.IsNodeId(message.RequestedBy) => "requested_by is not a node id or 'cli'",
            _ => null,
        };
        return error is null ? (message, null) : (null, error);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{7,63}$")]
    internal static partial Regex RequestIds();
}
