using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NodeAgent.Configuration;
using NodeAgent.Lifecycle;
using NodeAgent.Storage;

namespace NodeAgent.Registry;

public static class RegistryServiceCollectionExtensions
{
    /// <summary>Read/write access to the node registry (CLI commands and daemons).</summary>
    public static IServiceCollection AddRegistryClient(this IServiceCollection services, RegistrySection registry)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<INodeRegistry>(sp => new S3NodeRegistry(
            sp.GetRequiredService<IObjectStore>(), registry, sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    /// <summary>The daemon side: register at startup, heartbeat, deregister on stop.</summary>
    public static IServiceCollection AddNodeRegistration(this IServiceCollection services, RegistrySection registry)
    {
        services.AddRegistryClient(registry);
        services.AddSingleton<NodeStatusBoard>();
        services.AddSingleton<NodeRegistration>();
        services.AddSingleton<NodeDrain>();
        services.AddSingleton<IStartupTask, RegisterNodeTask>();
        services.AddHostedService<HeartbeatService>();
        return services;
    }
}
