using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace NodeAgent.Messaging;

/// <summary>
/// Encodes and checks the envelope every agent message travels in:
/// <code>{"nodeagent":1,"type":"deploy","sent_at":"…Z","body":"{…}","signature":"hmac-sha256:…"}</code>
/// The body is a JSON string, so the signature covers its exact bytes with no canonicalisation. A body wrapped in an
/// SNS notification (a queue subscribed to a topic) is unwrapped first. Checks: size, strict schema, signature when a
/// key is configured, and age against the replay window.
/// </summary>
public sealed class MessageCodec(byte[]? signingKey, TimeSpan maxAge, TimeProvider time)
{
    public const int MaxMessageBytes = 64 * 1024;
    private const string SignaturePrefix = "hmac-sha256:";
    private static readonly HashSet<string> EnvelopeFields = ["nodeagent", "type", "sent_at", "body", "signature"];

    public string Encode(string type, string body)
    {
        var sentAt = time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        var envelope = new Dictionary<string, object>
        {
            ["nodeagent"] = 1,
            ["type"] = type,
            ["sent_at"] = sentAt,
            ["body"] = body,
        };
        if (signingKey is not null)
        {
            envelope["signature"] = SignaturePrefix + Sign(signingKey, type, sentAt, body);
        }

        return JsonSerializer.Serialize(envelope, MessagingJson.Default.DictionaryStringObject);
    }

    /// <summary>Decodes and checks a raw queue body. Never throws for bad input: the reason says what is wrong.</summary>
    public DecodeResult Decode(string raw)
    {
        try
        {
            return DecodeUnguarded(raw);
        }
        catch (Exception ex) when (IsParserException(ex))
        {
            return DecodeResult.Reject($"message cannot be decoded ({ex.GetType().Name}): {ex.Message}");
        }
    }

    /// <summary>The exception types a JSON, text or number parser throws on hostile input: each is a rejection, never a crash.</summary>
    public static bool IsParserException(Exception ex)
        => ex is JsonException or FormatException or InvalidOperationException or OverflowException or ArgumentException
            or DecoderFallbackException or InvalidDataException or NotSupportedException or KeyNotFoundException or IndexOutOfRangeException;

    private DecodeResult DecodeUnguarded(string raw)
    {
        if (Encoding.UTF8.GetByteCount(raw) > MaxMessageBytes)
        {
            return DecodeResult.Reject($"message is larger than {MaxMessageBytes} bytes");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(raw, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            return DecodeResult.Reject($"message is not valid JSON: {ex.Message.Split(" Path:")[0]}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("Type", out var snsType) && snsType.ValueKind == JsonValueKind.String
                && snsType.GetString() == "Notification"
                && root.TryGetProperty("Message", out var inner) && inner.ValueKind == JsonValueKind.String)
            {
                return DecodeEnvelope(inner.GetString()!, viaSns: true);
            }
        }

        return DecodeEnvelope(raw, viaSns: false);
    }

    private DecodeResult DecodeEnvelope(string raw, bool viaSns)
    {
        var where = viaSns ? " (inside an SNS notification)" : string.Empty;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(raw, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            return DecodeResult.Reject($"message{where} is not valid JSON: {ex.Message.Split(" Path:")[0]}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return DecodeResult.Reject($"message{where} is not a JSON object");
            }

            foreach (var property in root.EnumerateObject())
            {
                if (!EnvelopeFields.Contains(property.Name))
                {
                    return DecodeResult.Reject($"envelope has unknown field '{property.Name}'");
                }
            }

            if (!root.TryGetProperty("nodeagent", out var version) || version.ValueKind != JsonValueKind.Number
                || !version.TryGetInt32(out var versionNumber) || versionNumber != 1)
            {
                return DecodeResult.Reject("envelope field 'nodeagent' must be 1");
            }

            if (!TryString(root, "type", out var type) || type.Length is 0 or > 64)
            {
                return DecodeResult.Reject("envelope field 'type' is missing or not a short string");
            }

            if (!TryString(root, "sent_at", out var sentAtText)
                || !DateTimeOffset.TryParseExact(sentAtText, "yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var sentAt))
            {
                return DecodeResult.Reject("envelope field 'sent_at' is missing or not a UTC timestamp like 2026-01-31T12:00:00.000Z");
            }

            if (!TryString(root, "body", out var body))
            {
                return DecodeResult.Reject("envelope field 'body' is missing or not a string");
            }

            var signed = false;
            var hasSignature = TryString(root, "signature", out var signature);
            if (signingKey is not null)
            {
                if (!hasSignature)
                {
                    return DecodeResult.Reject("message is unsigned but this node requires signed messages");
                }

                if (!signature.StartsWith(SignaturePrefix, StringComparison.Ordinal)
                    || !CryptographicOperations.FixedTimeEquals(
                        Encoding.ASCII.GetBytes(signature[SignaturePrefix.Length..]),
                        Encoding.ASCII.GetBytes(Sign(signingKey, type, sentAtText, body))))
                {
                    return DecodeResult.Reject("message signature does not verify");
                }

                signed = true;
            }

            var now = time.GetUtcNow();
            if (now - sentAt > maxAge)
            {
                return DecodeResult.Reject($"message was sent at {sentAtText}, older than the {maxAge.TotalSeconds:0} s replay window");
            }

            if (sentAt - now > TimeSpan.FromMinutes(5))
            {
                return DecodeResult.Reject($"message is dated {sentAtText}, more than 5 minutes in the future");
            }

            return DecodeResult.Accept(new MessageEnvelope { Type = type, SentAt = sentAt, Body = body, Signed = signed });
        }
    }

    private static bool TryString(JsonElement root, string name, out string value)
    {
        value = string.Empty;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        value = element.GetString()!;
        return true;
    }

    private static string Sign(byte[] key, string type, string sentAt, string body)
        => Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"nodeagent-v1\n{type}\n{sentAt}\n{body}")));

    /// <summary>Whether this node holds <c>queue.signing_key</c> (and so signs and checks objects too).</summary>
    public bool SignsMessages => signingKey is not null;

    /// <summary>
    /// The signature of an object this node writes to S3 for its peers (rollout progress, rollout control), made with
    /// <c>queue.signing_key</c> over the object's key and exact bytes: <c>hmac-sha256:&lt;hex&gt;</c> of
    /// <c>"nodeagent-object-v1\n" + key + "\n" + bytes</c>. Null when no key is configured.
    /// </summary>
    public string? SignObject(string key, ReadOnlySpan<byte> content)
        => signingKey is null ? null : SignaturePrefix + ObjectHmac(signingKey, key, content);

    /// <summary>Why <paramref name="signature"/> does not sign the object; null when it does, or when no key is configured.</summary>
    public string? CheckObject(string key, ReadOnlySpan<byte> content, string? signature)
    {
        if (signingKey is null)
        {
            return null;
        }

        if (signature is null || !signature.StartsWith(SignaturePrefix, StringComparison.Ordinal))
        {
            return "it is not signed with queue.signing_key";
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(signature[SignaturePrefix.Length..]), Encoding.ASCII.GetBytes(ObjectHmac(signingKey, key, content)))
            ? null
            : "its signature does not verify with queue.signing_key";
    }

    private static string ObjectHmac(byte[] signingKey, string key, ReadOnlySpan<byte> content)
    {
        var header = Encoding.UTF8.GetBytes($"nodeagent-object-v1\n{key}\n");
        var message = new byte[header.Length + content.Length];
        header.CopyTo(message, 0);
        content.CopyTo(message.AsSpan(header.Length));
        return Convert.ToHexStringLower(HMACSHA256.HashData(signingKey, message));
    }
}

/// <summary>The outcome of decoding: an envelope, or the reason the message was rejected.</summary>
public sealed record DecodeResult(MessageEnvelope? Envelope, string? Rejection)
{
    public static DecodeResult Accept(MessageEnvelope envelope) => new(envelope, null);

    public static DecodeResult Reject(string reason) => new(null, reason);
}
