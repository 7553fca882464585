using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Messaging;
using NodeAgent.Roles.Web.Checkout;
using NodeAgent.Roles.Web.Configuration;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Web.Deploy;

public static class DeployServiceCollectionExtensions
{
    /// <summary>The web node's deploy side: handler, boot catch-up, re-check after registration, safety poll.</summary>
    public static RoleBuilder AddDeploys(this RoleBuilder role, WebSection web)
    {
        var services = role.Services;
        var config = role.Config;
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new DesiredStateStore(sp.GetRequiredService<IObjectStore>()));
        services.TryAddSingleton(sp => new DeployStateStore(config.Node.StateDir, sp.GetRequiredService<ILogger<DeployStateStore>>()));
        services.TryAddSingleton<DeploymentStatusStore>();
        services.TryAddSingleton<SourceCheckouts>();
        services.TryAddSingleton<HookRunner>();
        services.TryAddSingleton<Deployer>();
        services.TryAddSingleton(sp => new LocalRollback(web, config, sp.GetRequiredService<DeployStateStore>(), sp.GetRequiredService<HookRunner>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<Rollout.RolloutStore>();
        services.TryAddSingleton<Reconciler>();
        role.MessageHandler<DeployMessageHandler>()
            .StartupTask<DeployCatchUpTask>()
            .StartupTask<DeployRecheckTask>()
            .Loop<DeployPollService>();
        return role;
    }
}
