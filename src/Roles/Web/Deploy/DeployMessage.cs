using System.Text;
using System.Text.Json;
using NodeAgent.Configuration;

namespace NodeAgent.Roles.Web.Deploy;

/// <summary>
/// The body of a <c>deploy</c> message: <c>{"app":"shop","revision":"3f9a…","sequence":42}</c>. It is a nudge that
/// names the app, the revision or ref and the desired sequence — nothing else. Repository, credentials and hooks come
/// only from the receiving node's config. The schema is strict: unknown fields, wrong types and oversized bodies are
/// rejected with a reason.
/// </summary>
public sealed record DeployMessage(string App, string? Revision, long Sequence)
{
    public const string Type = "deploy";
    public const int MaxBodyBytes = 1024;

    public string ToJson()
    {
        var body = new Dictionary<string, object> { ["app"] = App, ["sequence"] = Sequence };
        if (Revision is not null)
        {
            body["revision"] = Revision;
        }

        return JsonSerializer.Serialize(body, DeployJson.TypeInfo<Dictionary<string, object>>());
    }

    /// <summary>Parses a body; never throws for bad input.</summary>
    public static (DeployMessage? Message, string? Error) Parse(string body)
    {
        try
        {
            return ParseUnguarded(body);
        }
        catch (Exception ex) when (Messaging.MessageCodec.IsParserException(ex))
        {
            return (null, $"deploy body cannot be parsed ({ex.GetType().Name}): {SafeText.Escape(ex.Message, 200)}");
        }
    }

    private static (DeployMessage? Message, string? Error) ParseUnguarded(string body)
    {
        if (Encoding.UTF8.GetByteCount(body) > MaxBodyBytes)
        {
            return (null, $"deploy body is larger than {MaxBodyBytes} bytes");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 4 });
        }
        catch (JsonException ex)
        {
            return (null, $"deploy body is not valid JSON: {ex.Message.Split(" Path:")[0]}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, "deploy body is not a JSON object");
            }

            string? app = null, revision = null;
            long? sequence = null;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    return (null, $"deploy body has field '{property.Name}' twice");
                }

                switch (property.Name)
                {
                    case "app" when property.Value.ValueKind == JsonValueKind.String:
                        app = property.Value.GetString();
                        break;
                    case "revision" when property.Value.ValueKind == JsonValueKind.String:
                        revision = property.Value.GetString();
                        break;
                    case "sequence" when property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt64(out var n):
                        sequence = n;
                        break;
                    case "app" or "revision":
                        return (null, $"deploy field '{property.Name}' must be a string");
                    case "sequence":
                        return (null, "deploy field 'sequence' must be a whole number");
                    default:
                        return (null, $"deploy body has unknown field '{property.Name}' (allowed: app, revision, sequence)");
                }
            }

            if (app is null)
            {
                return (null, "deploy body is missing field 'app'");
            }

            if (sequence is null)
            {
                return (null, "deploy body is missing field 'sequence'");
            }

            if (!Names.App().IsMatch(app))
            {
                return (null, $"deploy field 'app' must be {Names.AppHint}");
            }

            if (sequence < 1)
            {
                return (null, "deploy field 'sequence' must be at least 1");
            }

            if (sequence > DesiredSequence.Max)
            {
                return (null, $"deploy field 'sequence' is past the maximum {DesiredSequence.Max}");
            }

            if (revision is not null && (revision.Length is 0 or > Checkout.RevisionSyntax.MaxLength || !SafeText.IsPrintableAscii(revision)))
            {
                return (null, $"deploy field 'revision' must be 1-{Checkout.RevisionSyntax.MaxLength} printable characters");
            }

            return (new DeployMessage(app, revision, sequence.Value), null);
        }
    }
}
