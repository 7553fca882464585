using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Lifecycle;
using NodeAgent.Messaging;
using NodeAgent.Roles.Lb.Configuration;
using NodeAgent.Roles.Lb.Membership;

namespace NodeAgent.Roles.Lb.Haproxy;

public static class HaproxyServiceCollectionExtensions
{
    /// <summary>
    /// The lb role's balancer: HAProxy generated from <c>lb:</c>, started and supervised, its access log, and its
    /// servers kept in step with the registry through the runtime API (with <c>membership</c> nudges).
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
        services.AddSingleton<LbMembershipService>();
        services.AddHostedService(sp => sp.GetRequiredService<LbMembershipService>());
        role.MessageHandler<LbMembershipHandler>();
        return role;
    }
}
