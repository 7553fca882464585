using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace NodeAgent.Testing;

/// <summary>
/// A small loopback stand-in for the EC2 instance metadata service, IMDSv2 only: PUT /latest/api/token issues session
/// tokens; GETs without a valid token get 401. Tests can expire tokens, slow every answer, or drop metadata. Like
/// amazon-ec2-metadata-mock, a test can flip the Auto Scaling target lifecycle state, post a spot interruption or a
/// rebalance recommendation, and set instance tags; the stand-in remembers when each value was first served.
/// </summary>
public sealed class ImdsStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, bool> _validTokens = new();
    private int _tokenCounter;

    private ImdsStandIn(WebApplication app)
    {
        _app = app;
    }

    public Uri Endpoint { get; private set; } = new("http://127.0.0.1/");

    public string InstanceId { get; set; } = "i-0123456789abcdef0";

    public string? LocalIpv4 { get; set; } = "127.0.0.42";

    public string? PublicIpv4 { get; set; }

    public string AvailabilityZone { get; set; } = "us-east-1a";

    public byte[]? UserData { get; set; }

    public string Region { get; set; } = "us-east-1";

    /// <summary><c>autoscaling/target-lifecycle-state</c> (<c>InService</c>, <c>Terminated</c>…); null: 404, not in a group.</summary>
    public string? TargetLifecycleState { get; set; }

    /// <summary><c>spot/instance-action</c> as JSON; null: 404, no interruption.</summary>
    public string? SpotInstanceAction { get; set; }

    /// <summary><c>events/recommendations/rebalance</c> as JSON; null: 404.</summary>
    public string? RebalanceRecommendation { get; set; }

    /// <summary>Instance tags; served under <c>tags/instance/</c> only while <see cref="TagsEnabled"/>.</summary>
    public ConcurrentDictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);

    public bool TagsEnabled { get; set; } = true;

    /// <summary>Posts a spot interruption notice for <paramref name="at"/> (EC2 gives two minutes).</summary>
    public void PostSpotInterruption(DateTimeOffset at, string action = "terminate")
        => SpotInstanceAction = $"{{\"action\": \"{action}\", \"time\": \"{at.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}\"}}";

    public void PostRebalanceRecommendation(DateTimeOffset at)
        => RebalanceRecommendation = $"{{\"noticeTime\": \"{at.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}\"}}";

    /// <summary>When <paramref name="path"/> (e.g. <c>/latest/meta-data/autoscaling/target-lifecycle-state</c>) was first answered with <paramref name="value"/>.</summary>
    public DateTimeOffset? FirstServed(string path, string value) => _served.TryGetValue($"{path}={value}", out var at) ? at : null;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _served = new(StringComparer.Ordinal);

    /// <summary>Applied before every answer, to simulate a slow or hung service.</summary>
    public TimeSpan Delay { get; set; }

    public int TokenRequests;

    public int Unauthorized;

    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Invalidates every token issued so far, as when a token's TTL runs out.</summary>
    public void ExpireTokens() => _validTokens.Clear();

    public static async Task<ImdsStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var standIn = new ImdsStandIn(app);
        app.Run(standIn.HandleAsync);
        await app.StartAsync();
        standIn.Endpoint = new Uri(app.Urls.First().TrimEnd('/') + "/");
        return standIn;
    }

    private async Task HandleAsync(HttpContext context)
    {
        Requests.Enqueue($"{context.Request.Method} {context.Request.Path}");
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, context.RequestAborted);
        }

        var path = context.Request.Path.Value ?? string.Empty;
        if (path == "/latest/api/token")
        {
            if (context.Request.Method != "PUT" || !context.Request.Headers.ContainsKey("X-aws-ec2-metadata-token-ttl-seconds"))
            {
                context.Response.StatusCode = 400;
                return;
            }

            Interlocked.Increment(ref TokenRequests);
            var token = $"token-{Interlocked.Increment(ref _tokenCounter)}";
            _validTokens[token] = true;
            await context.Response.WriteAsync(token);
            return;
        }

        var presented = context.Request.Headers["X-aws-ec2-metadata-token"].ToString();
        if (!_validTokens.ContainsKey(presented))
        {
            Interlocked.Increment(ref Unauthorized);
            context.Response.StatusCode = 401;
            return;
        }

        const string tagPrefix = "/latest/meta-data/tags/instance/";
        var text = path switch
        {
            "/latest/meta-data/instance-id" => InstanceId,
            "/latest/meta-data/local-ipv4" => LocalIpv4,
            "/latest/meta-data/public-ipv4" => PublicIpv4,
            "/latest/meta-data/placement/availability-zone" => AvailabilityZone,
            "/latest/meta-data/placement/region" => Region,
            "/latest/meta-data/autoscaling/target-lifecycle-state" => TargetLifecycleState,
            "/latest/meta-data/spot/instance-action" => SpotInstanceAction,
            "/latest/meta-data/events/recommendations/rebalance" => RebalanceRecommendation,
            "/latest/meta-data/tags/instance" when TagsEnabled => string.Join('\n', Tags.Keys.Order(StringComparer.Ordinal)),
            _ when TagsEnabled && path.StartsWith(tagPrefix, StringComparison.Ordinal) => Tags.GetValueOrDefault(Uri.UnescapeDataString(path[tagPrefix.Length..])),
            _ => null,
        };
        if (text is not null)
        {
            _served.TryAdd($"{path}={text}", DateTimeOffset.UtcNow);
        }

        var body = path == "/latest/user-data" ? UserData : Text(text);
        if (body is null)
        {
            context.Response.StatusCode = 404;
            return;
        }

        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    private static byte[]? Text(string? value) => value is null ? null : System.Text.Encoding.UTF8.GetBytes(value);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
