using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using NodeAgent.Checkout;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Messaging;
using NodeAgent.Storage;

namespace NodeAgent.Deploy;

public static class DeployServiceCollectionExtensions
{
    /// <summary>The web node's deploy side: handler, boot catch-up, re-check after registration, safety poll.</summary>
    public static IServiceCollection AddDeploys(this IServiceCollection services, AgentConfig config)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new DesiredStateStore(sp.GetRequiredService<IObjectStore>()));
        services.TryAddSingleton(sp => new DeployStateStore(config.Node.StateDir, sp.GetRequiredService<ILogger<DeployStateStore>>()));
        services.TryAddSingleton<DeploymentStatusStore>();
        services.TryAddSingleton<SourceCheckouts>();
        services.TryAddSingleton<HookRunner>();
        services.TryAddSingleton<Deployer>();
        services.TryAddSingleton<Reconciler>();
        services.AddSingleton<IMessageHandler, DeployMessageHandler>();
        services.AddSingleton<IStartupTask, DeployCatchUpTask>();
        services.AddSingleton<IStartupTask, DeployRecheckTask>();
        services.AddHostedService<DeployPollService>();
        return services;
    }
}
