using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Lifecycle;

namespace NodeAgent.Dns.Registration;

/// <summary>
/// Keeps this node's A record right: re-reads it every <c>dns.check_interval</c> (with splay) and rewrites it when it
/// differs; retries failures with jittered backoff; removes it on a graceful stop.
/// </summary>
public sealed partial class DnsRegistrationService(
    DnsRegistrar registrar,
    AgentConfig config,
    TimeProvider time,
    ILogger<DnsRegistrationService> logger) : BackgroundService
{
    private readonly TimeSpan _interval = config.Dns?.CheckInterval ?? TimeSpan.FromSeconds(60);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = new LoopBackoff(TimeSpan.FromSeconds(1), _interval);
        var delay = registrar.IsRegistered ? LoopBackoff.Splay(_interval) : backoff.NextDelay();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(delay, time, stoppingToken);
                await RunOnceAsync(stoppingToken);
                backoff.Reset();
                delay = LoopBackoff.Splay(_interval);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                delay = backoff.NextDelay();
                registrar.ReportFailure(ex, delay);
            }
        }
    }

    public Task RunOnceAsync(CancellationToken cancellationToken) => registrar.EnsureAsync(cancellationToken);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await registrar.DeregisterAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogDeregisterFailed(logger, registrar.Name, ex);
        }
    }

    [LoggerMessage(EventId = 5008, Level = LogLevel.Error, Message = "DNS: could not remove {Name} on stop; it keeps pointing at this node until someone removes it")]
    private static partial void LogDeregisterFailed(ILogger logger, string name, Exception exception);
}
