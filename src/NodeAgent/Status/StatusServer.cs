using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using Prometheus;

namespace NodeAgent.Status;

/// <summary>
/// The local status endpoint: <c>GET /healthz</c> (200 when ready, 503 with reasons otherwise) and <c>GET /metrics</c>
/// (Prometheus text format). A small Kestrel app bound to <c>status.listen</c> (loopback by default), started first so
/// /healthz answers "starting" while the node boots.
/// </summary>
public sealed partial class StatusServer(
    AgentConfig config,
    NodeIdentity identity,
    ReadinessState readiness,
    CollectorRegistry registry,
    AgentMetrics metrics,
    ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private readonly AgentMetrics _metrics = metrics;
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!config.Status.Enabled)
        {
            return;
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = "nodeagent-status",
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(config.Status.Listen);
        });
        _app = builder.Build();
        _app.MapGet("/healthz", WriteHealthAsync);
        _app.MapGet("/metrics", WriteMetricsAsync);
        try
        {
            await _app.StartAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException(
                $"status endpoint cannot listen on {config.Status.Listen}: {ex.Message} (set status.listen to a free address:port)", ex);
        }

        LogListening(loggerFactory.CreateLogger<StatusServer>(), config.Status.Listen.ToString());
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    private async Task WriteHealthAsync(HttpContext context)
    {
        var snapshot = readiness.Snapshot();
        context.Response.StatusCode = snapshot.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        context.Response.ContentType = "application/json";
        var body = new HealthDocument(
            snapshot.Ready ? "ready" : "not_ready",
            identity.NodeId,
            identity.Role,
            identity.Cluster,
            snapshot.Reasons.ToList(),
            snapshot.Checks.ToDictionary(c => c.Name, c => new HealthCheckDocument(c.Ready, c.Detail, c.Since)));
        await JsonSerializer.SerializeAsync(context.Response.Body, body, StatusJson.Default.HealthDocument, context.RequestAborted);
    }

    private async Task WriteMetricsAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Information, Message = "Status endpoint listening on http://{Listen} (/healthz, /metrics)")]
    private static partial void LogListening(ILogger logger, string listen);
}
