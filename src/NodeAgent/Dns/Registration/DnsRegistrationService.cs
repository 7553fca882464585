using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
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
    ILogger<DnsRegistrationService> logger) : AgentLoop(time, logger)
{
    public override string LoopName => "DNS registration";

    protected override TimeSpan Interval => config.Dns?.CheckInterval ?? TimeSpan.FromSeconds(60);

    /// <summary>Not registered at boot (DNS was down): retry soon rather than after a whole interval.</summary>
    protected override TimeSpan InitialDelay => registrar.IsRegistered ? base.InitialDelay : RetryFloor;

    public override Task RunOnceAsync(CancellationToken cancellationToken) => registrar.EnsureAsync(cancellationToken);

    protected override void OnRoundFailed(Exception exception, TimeSpan retryIn) => registrar.ReportFailure(exception, retryIn);

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
