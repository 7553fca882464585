using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace NodeAgent.Testing;

/// <summary>
/// A small loopback stand-in for the EC2 instance metadata service, IMDSv2 only: PUT /latest/api/token issues session
/// tokens; GETs without a valid token get 401. Tests can expire tokens, slow every answer, or drop metadata.
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

        byte[]? body = path switch
        {
            "/latest/meta-data/instance-id" => Text(InstanceId),
            "/latest/meta-data/local-ipv4" => Text(LocalIpv4),
            "/latest/meta-data/public-ipv4" => Text(PublicIpv4),
            "/latest/meta-data/placement/availability-zone" => Text(AvailabilityZone),
            "/latest/user-data" => UserData,
            _ => null,
        };
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
