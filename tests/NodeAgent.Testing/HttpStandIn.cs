using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace NodeAgent.Testing;

/// <summary>
/// A tiny real HTTP server on a given loopback endpoint that answers every request with 200. Stands in for "the proxy"
/// on an lb node's <c>http_bind</c> where the failover probe sends its request, in tests that do not run HAProxy.
/// </summary>
public sealed class HttpStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private HttpStandIn(WebApplication app)
    {
        _app = app;
    }

    public int Requests => _requests;

    public static async Task<HttpStandIn> StartAsync(IPEndPoint endpoint)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(endpoint));
        var app = builder.Build();
        var standIn = new HttpStandIn(app);
        app.Run(async context =>
        {
            Interlocked.Increment(ref standIn._requests);
            await context.Response.WriteAsync("proxy stand-in");
        });
        await app.StartAsync();
        return standIn;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
