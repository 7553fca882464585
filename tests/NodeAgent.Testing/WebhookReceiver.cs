using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using NodeAgent.Notifications;

namespace NodeAgent.Testing;

/// <summary>
/// A loopback webhook receiver for notification tests: checks every delivery's signature with the shared secret (as a
/// real receiver would, <see cref="WebhookSignature.Verify"/>), records it, and keeps the first delivery of each event
/// id (deduplication by id). It can answer 500 until a given time, or never answer at all.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly byte[] _secret;

    private WebhookReceiver(WebApplication app, string secret)
    {
        _app = app;
        _secret = Encoding.UTF8.GetBytes(secret);
    }

    public Uri Url { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Every delivery attempt that reached the receiver, in order.</summary>
    public ConcurrentQueue<Delivery> Attempts { get; } = new();

    /// <summary>The first accepted delivery of each event id.</summary>
    public ConcurrentDictionary<string, Delivery> Events { get; } = new(StringComparer.Ordinal);

    /// <summary>Answer 500 to every delivery until then.</summary>
    public DateTimeOffset FailUntil { get; set; } = DateTimeOffset.MinValue;

    /// <summary>Never answer (hold the request until the sender gives up).</summary>
    public bool Hang { get; set; }

    public sealed record Delivery(DateTimeOffset At, string? EventId, string? Type, string Body, string? SignatureProblem, int Status);

    public static async Task<WebhookReceiver> StartAsync(string secret)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, secret);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        receiver.Url = new Uri(app.Urls.First().TrimEnd('/') + "/hook");
        return receiver;
    }

    /// <summary>Accepted events of <paramref name="type"/>.</summary>
    public IReadOnlyList<Delivery> OfType(string type) => Events.Values.Where(e => e.Type == type).OrderBy(e => e.At).ToList();

    /// <summary>How many accepted (2xx, validly signed) deliveries carried <paramref name="type"/>, duplicates included.</summary>
    public int AcceptedCount(string type) => Attempts.Count(a => a.Type == type && a.Status == 200);

    public async Task<bool> WaitForAsync(Func<WebhookReceiver, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (condition(this))
            {
                return true;
            }

            await Task.Delay(100);
        }

        return condition(this);
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        var id = context.Request.Headers[WebhookSignature.EventIdHeader].FirstOrDefault();
        var problem = WebhookSignature.Verify(_secret, context.Request.Headers[WebhookSignature.SignatureHeader].FirstOrDefault(),
            context.Request.Headers[WebhookSignature.TimestampHeader].FirstOrDefault(), id, body, DateTimeOffset.UtcNow);
        string? type = null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            type = doc.RootElement.TryGetProperty("type", out var t) ? t.GetString() : null;
            if (doc.RootElement.TryGetProperty("id", out var bodyId) && bodyId.GetString() != id)
            {
                problem ??= "the body's id is not the header's";
            }
        }
        catch (JsonException)
        {
            problem ??= "the body is not JSON";
        }

        if (Hang)
        {
            Attempts.Enqueue(new Delivery(DateTimeOffset.UtcNow, id, type, Encoding.UTF8.GetString(body), problem, 0));
            await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }

        var status = problem is not null ? 401 : DateTimeOffset.UtcNow < FailUntil ? 500 : 200;
        var delivery = new Delivery(DateTimeOffset.UtcNow, id, type, Encoding.UTF8.GetString(body), problem, status);
        Attempts.Enqueue(delivery);
        if (status == 200 && id is not null)
        {
            Events.TryAdd(id, delivery);
        }

        context.Response.StatusCode = status;
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
