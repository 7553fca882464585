using System.Text.Json;
using System.Text.Json.Serialization;
using NodeAgent.Configuration;

namespace NodeAgent.Messaging;

/// <summary>
/// Body of a <c>membership</c> message (docs/messages.md). A web node sends <c>join</c> / <c>leave</c> to every lb
/// node when its health changes or it drains; an lb node answers a drain with <c>removed</c> once the node is out of
/// its HAProxy. Messages are nudges: the lb reads the truth from the registry.
/// </summary>
public sealed record MembershipMessage
{
    public const string Type = "membership";
    public const string Join = "join";
    public const string Leave = "leave";
    public const string Removed = "removed";

    public required string Cluster { get; init; }

    /// <summary>The role of the node the message is about; the receiving role decides which roles it accepts.</summary>
    public required string Role { get; init; }

    /// <summary>The node the message is about.</summary>
    public required string NodeId { get; init; }

    /// <summary><c>join</c>, <c>leave</c> or <c>removed</c>.</summary>
    public required string Event { get; init; }

    /// <summary>For <c>removed</c>: the lb node that removed it.</summary>
    public string? By { get; init; }

    /// <summary>For <c>removed</c>: the id of the drain answered, from the node's registry record.</summary>
    public string? DrainId { get; init; }

    /// <summary>For <c>removed</c>: when the drain answered started.</summary>
    public DateTimeOffset? DrainStartedAt { get; init; }

    public string Serialize() => JsonSerializer.Serialize(this, MembershipMessageJson.Default.MembershipMessage);

    /// <summary>
    /// Strict parse: unknown fields, bad names, a role not in <paramref name="knownRoles"/> (the binary's role
    /// catalog) or an unknown event give a reason instead of a message.
    /// </summary>
    public static (MembershipMessage? Message, string? Error) Parse(string body, IReadOnlyCollection<string> knownRoles)
    {
        MembershipMessage? message;
        try
        {
            message = JsonSerializer.Deserialize(body, MembershipMessageJson.Default.MembershipMessage);
        }
        catch (Exception ex) when (MessageCodec.IsParserException(ex))
        {
            return (null, $"membership body is not valid: {ex.Message.Split(" Path:")[0]}");
        }

        string? error = message switch
        {
            null => "membership body is JSON null",
            _ when !Names.IsCluster(message.Cluster) => "cluster is not a valid cluster name",
            _ when message.Role is null || !Names.Role().IsMatch(message.Role) => "role is not a valid role name",
            _ when !knownRoles.Contains(message.Role) => $"role '{message.Role}' is not a role",
            _ when !Names.IsNodeId(message.NodeId) => "node_id is not a valid node id",
            _ when message.Event is not (Join or Leave or Removed) => $"event '{message.Event}' is not one of join, leave, removed",
            _ when message.Event == Removed && !Names.IsNodeId(message.By) => "a removed event needs 'by', the lb node's id",
            _ when message.Event != Removed && message.By is not null => "'by' is only for removed events",
            _ when message.Event != Removed && (message.DrainId is not null || message.DrainStartedAt is not null) => "'drain_id' and 'drain_started_at' are only for removed events",
            _ when message.DrainId is not null && !Registry.DrainInfo.IsId(message.DrainId) => "drain_id is not a drain id",
            _ when (message.DrainId is null) != (message.DrainStartedAt is null) => "drain_id and drain_started_at go together",
            _ => null,
        };
        return error is null ? (message, null) : (null, error);
    }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(MembershipMessage))]
internal sealed partial class MembershipMessageJson : JsonSerializerContext;
