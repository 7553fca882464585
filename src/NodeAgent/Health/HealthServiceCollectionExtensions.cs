using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Membership;

namespace NodeAgent.Health;

public static class HealthServiceCollectionExtensions
{
    /// <summary>
    /// The web node's side of load balancing: its port and apps in the registry, the health loop (/healthz and the
    /// registry), and membership nudges to the lb nodes (join when healthy, leave and wait on a graceful stop).
    /// </summary>
    public static IServiceCollection AddWebHealth(this IServiceCollection services, WebSection web)
    {
        services.AddSingleton<IStartupTask, AdvertiseWebTask>();
        if (web.Health is { } check)
        {
            services.AddSingleton<IHealthProbe>(sp => new HttpHealthProbe(check, sp.GetRequiredService<NodeIdentity>().Address, web.Port));
        }

        services.AddHostedService(sp => new WebHealthService(
            sp.GetService<IHealthProbe>(),
            sp.GetRequiredService<AgentConfig>(),
            sp.GetRequiredService<Registry.NodeStatusBoard>(),
            sp.GetRequiredService<Status.ReadinessState>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<WebHealthService>>()));
        services.AddMembershipNudges();
        return services;
    }
}
