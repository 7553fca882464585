using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NodeAgent.Dns;
using NodeAgent.Dns.Failover;
using NodeAgent.Hosting;
using NodeAgent.Roles.Lb.Configuration;

namespace NodeAgent.Roles.Lb.Failover;

public static class FailoverServiceCollectionExtensions
{
    /// <summary>
    /// The lb pair's claim on <c>lb.&lt;zone&gt;</c> with lease, epoch and probes, through the kernel's shared name
    /// coordinator. Nothing unless both <c>dns:</c> and <c>lb.failover.enabled</c> are set.
    /// </summary>
    public static RoleBuilder AddLbFailover(this RoleBuilder role, LbSection lb)
    {
        if (role.Config.Dns is null || !lb.Failover.Enabled)
        {
            return role;
        }

        var services = role.Services;
        services.AddDnsProvider(role.Config);
        services.AddSingleton(lb.Failover.ClaimSettings);
        services.TryAddSingleton<FailoverState>();
        services.TryAddSingleton<IHolderProbe, HttpHolderProbe>();
        services.TryAddSingleton<FailoverCoordinator>();
        role.StartupTask<ClaimSharedNameTask>()
            .Loop<FailoverService>()
            .TerminationStep<HandOverOnTerminationStep>()
            .ReadinessCheck(FailoverCoordinator.ReadinessCheck, "starting: the first failover round has not run");
        return role;
    }
}
