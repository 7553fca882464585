using Microsoft.Extensions.Logging;
using NodeAgent.Lifecycle;

namespace NodeAgent.Dns.Registration;

/// <summary>
/// Startup: this node's A record, written after it registered in the node registry. A DNS server that does not
/// answer does not stop the node: after a few quick attempts it starts not-ready (the <c>dns</c> readiness check
/// says why) and <see cref="DnsRegistrationService"/> keeps retrying. A refusal that only a config change can fix
/// (wrong TSIG key, no permission, name outside the zone) stops the agent with that message.
/// </summary>
public sealed partial class RegisterDnsTask(DnsRegistrar registrar, ILogger<RegisterDnsTask> logger) : IStartupTask
{
    public const int BootAttempts = 3;

    public int Order => StartupOrder.Dns;

    public string Name => "register in DNS";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var backoff = new LoopBackoff(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2));
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await registrar.EnsureAsync(cancellationToken);
                return;
            }
            catch (DnsProviderException ex) when (ex.Transient)
            {
                var delay = backoff.NextDelay();
                registrar.ReportFailure(ex, delay);
                if (attempt >= BootAttempts)
                {
                    LogStartingUnregistered(logger, registrar.Name, attempt);
                    return;
                }

                await Task.Delay(delay, cancellationToken);
            }
        }
    }

    [LoggerMessage(EventId = 5007, Level = LogLevel.Error, Message = "DNS: {Name} is not registered after {Attempts} attempts; starting anyway (not ready) and retrying in the background")]
    private static partial void LogStartingUnregistered(ILogger logger, string name, int attempts);
}
