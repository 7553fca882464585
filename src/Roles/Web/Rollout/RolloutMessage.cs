using System.Text.Json;

namespace NodeAgent.Roles.Web.Rollout;

/// <summary>
/// The <c>rollout</c> nudge to lb nodes: "look at the desired state of this app now" (a publish with a plan, a pause,
/// resume or abort). Body: <c>{"app":"shop","sequence":42}</c>, at most 1 KiB, nothing else; the lb reads S3 and
/// decides from there, so a lost or forged nudge changes nothing but timing.
/// </summary>
public sealed record RolloutMessage(string App, long Sequence)
{
    public const string Type = "rollout";

    public string ToJson() => new System.Text.Json.Nodes.JsonObject { ["app"] = App, ["sequence"] = Sequence }.ToJsonString();

    public static (RolloutMessage? Message, string? Error) Parse(string body)
    {
        if (body.Length > 1024)
        {
            return (null, "rollout message body is larger than 1 KiB");
        }

        try
        {
            using var doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 4 });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, "rollout message body is not a JSON object");
            }

            string? app = null;
            long? sequence = null;
            foreach (var property in root.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "app" when app is null && property.Value.ValueKind == JsonValueKind.String:
                        app = property.Value.GetString();
                        break;
                    case "sequence" when sequence is null && property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt64(out var s):
                        sequence = s;
                        break;
                    default:
                        return (null, $"rollout message has an unexpected or repeated field '{NodeAgent.Configuration.SafeText.Escape(property.Name)}'");
                }
            }

            if (app is null || !NodeAgent.Configuration.Names.IsApp(app))
            {
                return (null, "rollout message needs 'app', a valid app name");
            }

            if (sequence is not (>= 1 and <= Deploy.DesiredSequence.Max))
            {
                return (null, "rollout message needs 'sequence' between 1 and the maximum");
            }

            return (new RolloutMessage(app, sequence.Value), null);
        }
        catch (JsonException ex)
        {
            return (null, $"rollout message body is not valid JSON: {ex.Message.Split(" Path:")[0]}");
        }
    }
}
