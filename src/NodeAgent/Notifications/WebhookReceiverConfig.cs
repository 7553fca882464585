using System.Security.Cryptography;
using System.Text;
using NodeAgent.Configuration;

namespace NodeAgent.Notifications;

/// <summary>
/// <c>notifications.webhooks[]</c>: an HTTP(S) URL that gets each event as a signed POST. The secret signs the body
/// (HMAC-SHA256, with the timestamp and the event id, docs/notifications.md); it is never logged or shown.
/// </summary>
public sealed record WebhookReceiverConfig
{
    private static WebhookReceiverConfig Default => new() { Url = default!, Secret = default! };

    public required Uri Url { get; init; }

    public required SecretValue Secret { get; init; }

    /// <summary>Event names or <c>prefix.*</c>; empty: every event.</summary>
    public IReadOnlyList<string> Events { get; init; } = [];

    /// <summary>One attempt's bound (connect, send, answer).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The outbox directory's name: stable for the URL, and without the secret.</summary>
    public string ReceiverId => "webhook-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Url.AbsoluteUri)))[..12];

    /// <summary>The URL as shown in logs: scheme, host, port and path, never a query or user info.</summary>
    public string Display => $"{Url.Scheme}://{Url.Authority}{Url.AbsolutePath}";

    public static WebhookReceiverConfig? Read(ConfigReader r)
    {
        var url = r.Url("url", required: true, "http", "https");
        var secret = r.Secret("secret", required: true);
        var events = NotificationsSection.ReadEvents(r);
        var timeout = r.Duration("timeout", Default.Timeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        if (url is not null && !string.IsNullOrEmpty(url.UserInfo))
        {
            r.Error("url", "must not carry user info (user:password@); the body is signed with the secret instead");
            return null;
        }

        return url is null || secret is null ? null : new WebhookReceiverConfig { Url = url, Secret = secret, Events = events, Timeout = timeout };
    }
}
