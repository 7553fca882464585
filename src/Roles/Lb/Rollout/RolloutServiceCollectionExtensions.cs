using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NodeAgent.Hosting;
using NodeAgent.Roles.Web.Deploy;
using NodeAgent.Roles.Web.Rollout;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Lb.Rollout;

public static class RolloutServiceCollectionExtensions
{
    /// <summary>The lb as rollout advancer: the election (the active node of the pair), the loop, the <c>rollout</c> nudge.</summary>
    public static RoleBuilder AddLbRollouts(this RoleBuilder role)
    {
        var services = role.Services;
        services.TryAddSingleton(sp => new DesiredStateStore(sp.GetRequiredService<IObjectStore>()));
        services.TryAddSingleton<RolloutStore>();
        services.TryAddSingleton<DeploymentStatusStore>();
        services.TryAddSingleton<AdvancerElection>();
        services.TryAddSingleton<RolloutAdvancer>();
        return role.Loop<RolloutLoop>().MessageHandler<RolloutMessageHandler>();
    }
}
