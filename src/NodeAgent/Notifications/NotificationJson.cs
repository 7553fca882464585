using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using NodeAgent.Configuration;

namespace NodeAgent.Notifications;

/// <summary>The one JSON form of an event (webhook body, exec stdin, outbox file), and its strict reader.</summary>
public static class NotificationJson
{
    public const int MaxBytes = 64 * 1024;

    public static JsonObject ToJson(NotificationEvent e)
    {
        var json = new JsonObject
        {
            ["id"] = e.Id,
            ["type"] = e.Type,
            ["cluster"] = e.Cluster,
            ["node"] = e.Node,
            ["at"] = Stamp(e.At),
        };
        if (e.Subject is not null)
        {
            json["subject"] = e.Subject;
        }

        if (e.Summary is not null)
        {
            json["summary"] = e.Summary;
        }

        json["data"] = e.Data.DeepClone();
        return json;
    }

    public static byte[] Serialize(NotificationEvent e) => System.Text.Encoding.UTF8.GetBytes(ToJson(e).ToJsonString());

    public static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    /// <summary>Reads an event back (an outbox file); null with the reason when it is not one of ours.</summary>
    public static (NotificationEvent? Event, string? Error) Parse(JsonNode? node)
    {
        try
        {
            if (node is not JsonObject o)
            {
                return (null, "not a JSON object");
            }

            string Text(string name, bool required = true)
            {
                var value = o[name]?.GetValue<string>();
                if (required && string.IsNullOrEmpty(value))
                {
                    throw new FormatException($"'{name}' is missing");
                }

                if (value is not null && (value.Length > 4000 || !SafeText.IsSafe(value)))
                {
                    throw new FormatException($"'{name}' is not a short line of text");
                }

                return value!;
            }

            var id = Text("id");
            if (!NotificationEvent.IsId(id))
            {
                return (null, "'id' is not an event id");
            }

            var at = DateTimeOffset.ParseExact(Text("at"), "yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            var data = o["data"] as JsonObject ?? [];
            return (new NotificationEvent
            {
                Id = id,
                Type = Text("type"),
                Cluster = Text("cluster"),
                Node = Text("node"),
                At = at,
                Subject = Text("subject", required: false),
                Summary = Text("summary", required: false),
                Data = (JsonObject)data.DeepClone(),
            }, null);
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or ArgumentException or JsonException)
        {
            return (null, ex.Message);
        }
    }
}
