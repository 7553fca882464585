using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace NodeAgent.Notifications;

/// <summary>
/// The signature of a webhook delivery: <c>X-Nodeagent-Signature: v1=&lt;hex&gt;</c>, the lower-case hex of
/// HMAC-SHA256(secret, <c>"nodeagent-webhook-v1\n" + timestamp + "\n" + event id + "\n" + body</c>), where the timestamp
/// is <c>X-Nodeagent-Timestamp</c> (Unix seconds of the attempt) and the event id <c>X-Nodeagent-Event-Id</c>. A receiver
/// recomputes it over the exact body bytes, refuses a timestamp more than <see cref="Tolerance"/> away from its clock,
/// and drops an event id it has already seen.
/// </summary>
public static class WebhookSignature
{
    public const string SignatureHeader = "X-Nodeagent-Signature";
    public const string TimestampHeader = "X-Nodeagent-Timestamp";
    public const string EventIdHeader = "X-Nodeagent-Event-Id";
    public const string EventTypeHeader = "X-Nodeagent-Event";
    public const string Prefix = "v1=";

    /// <summary>How far a timestamp may be from the receiver's clock.</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    public static string Sign(byte[] secret, long timestamp, string eventId, ReadOnlySpan<byte> body)
    {
        var header = Encoding.UTF8.GetBytes($"nodeagent-webhook-v1\n{timestamp.ToString(CultureInfo.InvariantCulture)}\n{eventId}\n");
        var message = new byte[header.Length + body.Length];
        header.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(header.Length));
        return Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(secret, message));
    }

    /// <summary>Checks a delivery as a receiver should; null when it is genuine and fresh, else why not.</summary>
    public static string? Verify(byte[] secret, string? signature, string? timestamp, string? eventId, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (signature is null || timestamp is null || eventId is null)
        {
            return "missing signature, timestamp or event id header";
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > 32_503_680_000)
        {
            return "timestamp is not Unix seconds";
        }

        if ((now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > Tolerance)
        {
            return "timestamp is outside the replay window";
        }

        var expected = Sign(secret, seconds, eventId, body);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(signature), Encoding.ASCII.GetBytes(expected))
            ? null
            : "signature does not match";
    }
}
