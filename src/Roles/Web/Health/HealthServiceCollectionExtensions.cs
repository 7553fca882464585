using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Roles.Web.Configuration;
using NodeAgent.Roles.Web.Membership;

namespace NodeAgent.Roles.Web.Health;

public static class HealthServiceCollectionExtensions
{
    /// <summary>
    /// The web node's side of load balancing: its port and apps in the registry, the health loop (/healthz and the
    /// registry), and membership nudges to the lb nodes (join when healthy, leave and wait on a graceful stop).
    /// </summary>
    public static RoleBuilder AddWebHealth(this RoleBuilder role, WebSection web)
    {
        var services = role.Services;
        role.StartupTask<AdvertiseWebTask>();
        if (web.Health is { } check)
        {
            services.AddSingleton<IHealthProbe>(sp => new HttpHealthProbe(check, sp.GetRequiredService<NodeIdentity>().Address, web.Port));
        }

        services.AddHostedService(sp => new WebHealthService(
            sp.GetService<IHealthProbe>(),
            web,
            sp.GetRequiredService<Registry.NodeStatusBoard>(),
            sp.GetRequiredService<Status.ReadinessState>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<WebHealthService>>()));
        role.AddMembershipNudges();
        return role;
    }
}
