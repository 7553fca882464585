using System.Text.Json;
using NodeAgent.Configuration;

namespace NodeAgent.Roles.Db.Replication.Switchover;

/// <summary>
/// Body of a <c>db-stop-writes</c> message: sent by the replica taking over in a planned switchover to the primary's
/// queue. The primary, if it still holds the name at <see cref="Epoch"/>, stops taking writes (a clean shutdown that
/// lets its replicas receive everything) and records its final position for the target to replay past.
/// </summary>
public sealed record DbStopWritesMessage
{
    public const string Type = "db-stop-writes";

    public required string Cluster { get; init; }

    /// <summary>The primary that is to stop (the receiving node).</summary>
    public required string Primary { get; init; }

    public required long Epoch { get; init; }

    /// <summary>The replica that takes over.</summary>
    public required string Target { get; init; }

    public required string RequestId { get; init; }

    public string Serialize() => JsonSerializer.Serialize(this, SwitchoverJson.Default.DbStopWritesMessage);

    public static (DbStopWritesMessage? Message, string? Error) Parse(string body)
    {
        if (body.Length > 2048)
        {
            return (null, "db-stop-writes body is larger than 2 KiB");
        }

        DbStopWritesMessage? message;
        try
        {
            message = JsonSerializer.Deserialize(body, SwitchoverJson.Default.DbStopWritesMessage);
        }
        catch (JsonException ex)
        {
            return (null, $"db-stop-writes body is not valid: {ex.Message.Split(" Path:")[0]}");
        }

        string? error = message switch
        {
            null => "db-stop-writes body is JSON null",
            _ when !Names.Cluster().IsMatch(message.Cluster) => "cluster is not a valid cluster name",
            _ when !Names.IsNodeId(message.Primary) => "primary is not a valid node id",
            _ when !Names.IsNodeId(message.Target) => "target is not a valid node id",
            _ when message.Epoch < 1 => "epoch must be 1 or more",
            _ when !DbPromoteMessage.RequestIds().IsMatch(message.RequestId) => "request_id must be 8-64 lower-case letters, digits or '-'",
            _ => null,
        };
        return error is null ? (message, null) : (null, error);
    }
}
