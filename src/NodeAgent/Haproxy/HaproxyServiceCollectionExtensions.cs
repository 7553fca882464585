using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Messaging;

namespace NodeAgent.Haproxy;

public static class HaproxyServiceCollectionExtensions
{
    /// <summary>
    /// The lb role's balancer: HAProxy generated from <c>lb:</c>, started and supervised, its access log, and its
    /// servers kept in step with the registry through the runtime API (with <c>membership</c> nudges).
    /// </summary>
    public static IServiceCollection AddHaproxyBalancer(this IServiceCollection services, AgentConfig config)
    {
        var lb = config.Lb ?? throw new InvalidOperationException("the lb section is required");
        services.AddSingleton(lb);
        services.AddSingleton(_ => HaproxyPaths.For(config));
        services.AddSingleton<IHaproxyRuntime, HaproxySocketRuntime>();
        services.AddSingleton<HaproxyConfigFiles>();
        services.AddSingleton<HaproxyProcess>();
        services.AddSingleton<AccessLogReceiver>();
        services.AddSingleton<IStartupTask, StartHaproxyTask>();
        services.AddHostedService(sp => sp.GetRequiredService<AccessLogReceiver>());
        services.AddHostedService<HaproxySupervisor>();
        services.AddSingleton<LbMembershipService>();
        services.AddHostedService(sp => sp.GetRequiredService<LbMembershipService>());
        services.AddSingleton<IMessageHandler, LbMembershipHandler>();
        return services;
    }
}
