using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Lifecycle;
using NodeAgent.Roles.Lb.Configuration;

namespace NodeAgent.Roles.Lb.Haproxy;

public static class HaproxyServiceCollectionExtensions
{
    /// <summary>
    /// The lb role's balancer: HAProxy generated from <c>lb:</c>, started and supervised, its runtime API client and
    /// its access log. Its servers are kept in step with the registry by <c>AddLbMembership</c>.
    /// </summary>
    public static RoleBuilder AddHaproxyBalancer(this RoleBuilder role, LbSection lb)
    {
        var services = role.Services;
        var config = role.Config;
        services.AddSingleton(_ => HaproxyPaths.For(lb, config.Node));
        services.AddSingleton<IHaproxyRuntime, HaproxySocketRuntime>();
        services.AddSingleton<HaproxyConfigFiles>();
        services.AddSingleton<HaproxyProcess>();
        services.AddSingleton<AccessLogReceiver>();
        services.AddSingleton<IStartupTask, StartHaproxyTask>();
        services.AddHostedService(sp => sp.GetRequiredService<AccessLogReceiver>());
        services.AddHostedService<HaproxySupervisor>();
        return role;
    }
}
