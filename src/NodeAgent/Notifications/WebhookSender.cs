using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace NodeAgent.Notifications;

/// <summary>
/// POSTs an event to a webhook URL, signed (<see cref="WebhookSignature"/>). 2xx is delivered; 408, 429 and 5xx,
/// timeouts and connection errors are retried; any other answer (a 4xx: wrong URL, a receiver that refuses the
/// signature) is refused for good and logged, since sending it again would get the same answer. Redirects are not
/// followed. The secret is read at the first attempt (a missing file is a retried failure naming the file, never the value) and lives only in memory.
/// </summary>
public sealed class WebhookSender(WebhookReceiverConfig config, HttpClient http, TimeProvider time) : INotificationSender
{
    private byte[]? _secret;

    public string ReceiverId => config.ReceiverId;

    public string Display => config.Display;

    public IReadOnlyList<string> Events => config.Events;

    public async Task<DeliveryResult> SendAsync(NotificationEvent notification, byte[] body, CancellationToken cancellationToken)
    {
        try
        {
            _secret ??= Encoding.UTF8.GetBytes(config.Secret.Reveal());
        }
        catch (InvalidOperationException ex)
        {
            return DeliveryResult.Retry($"the webhook's secret is unavailable: {ex.Message}");
        }

        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, config.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.UserAgent.ParseAdd("nodeagent-notify/1");
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.EventIdHeader, notification.Id);
        request.Headers.Add(WebhookSignature.EventTypeHeader, notification.Type);
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(_secret, timestamp, notification.Id, body));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(config.Timeout);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var code = (int)response.StatusCode;
            return code switch
            {
                >= 200 and < 300 => DeliveryResult.Ok($"HTTP {code}"),
                408 or 429 or >= 500 => DeliveryResult.Retry($"HTTP {code}"),
                _ => DeliveryResult.Refused($"HTTP {code} {response.StatusCode}"),
            };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return DeliveryResult.Retry($"no answer within {config.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            return DeliveryResult.Retry(ex.HttpRequestError == HttpRequestError.Unknown ? ex.Message : ex.HttpRequestError.ToString());
        }
    }

    /// <summary>The client every webhook sender shares: no redirects, no cookies, fresh connections after a while.</summary>
    public static HttpClient NewClient() => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        AutomaticDecompression = DecompressionMethods.None,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };
}
