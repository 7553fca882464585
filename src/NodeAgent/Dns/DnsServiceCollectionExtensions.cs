using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using NodeAgent.Aws;
using NodeAgent.Configuration;
using NodeAgent.Dns.Registration;
using NodeAgent.Lifecycle;
using NodeAgent.Processes;

namespace NodeAgent.Dns;

public static class DnsServiceCollectionExtensions
{
    /// <summary>
    /// Every role, when <c>dns:</c> is configured: the provider, this node's own A record (registered at boot and on
    /// change, removed on a graceful stop). Nothing when there is no <c>dns:</c> section.
    /// </summary>
    public static IServiceCollection AddDns(this IServiceCollection services, AgentConfig config)
    {
        if (config.Dns is null)
        {
            return services;
        }

        services.AddDnsProvider(config);
        services.TryAddSingleton<DnsRegistrar>();
        services.AddSingleton<IStartupTask, RegisterDnsTask>();
        services.AddHostedService<DnsRegistrationService>();
        return services;
    }

    /// <summary>
    /// The zone's DNS provider (RFC 2136, Route 53 or exec) and its metrics, for a role that writes names of its own
    /// (a shared name claim). Idempotent.
    /// </summary>
    public static IServiceCollection AddDnsProvider(this IServiceCollection services, AgentConfig config)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddProcesses();
        services.TryAddSingleton<DnsMetrics>();
        services.TryAddSingleton<INodeAddressSource, IdentityAddressSource>();
        services.TryAddSingleton(sp => DnsProviderFactory.Create(
            config,
            sp.GetRequiredService<IProcessRunner>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<AwsRequestCounter>()));
        return services;
    }
}
