using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Hosting;
using NodeAgent.Roles.Lb.Configuration;

namespace NodeAgent.Roles.Lb.Membership;

public static class MembershipServiceCollectionExtensions
{
    /// <summary>
    /// HAProxy's servers kept in step with the registry (needs <c>AddHaproxyBalancer</c>): the registry sync and the
    /// HAProxy tick loops, the <c>membership</c> nudge handler, and the applier of <c>lb.apply</c>, chosen here once.
    /// </summary>
    public static RoleBuilder AddLbMembership(this RoleBuilder role, LbSection lb)
    {
        var services = role.Services;
        services.AddSingleton<MembershipGate>();
        services.AddSingleton<MembershipMetrics>();
        services.AddSingleton(new FlapDamper(lb.FlapHoldDown));
        services.AddSingleton<HeldServers>();
        services.AddSingleton<WebNodeRecords>();
        services.AddSingleton<ExclusionReporter>();
        services.AddSingleton<HaproxyObserver>();
        services.AddSingleton<DrainAcknowledger>();
        services.AddSingleton<ServerLeaves>();
        services.AddSingleton<MembershipReconciler>();
        if (lb.Apply == LbApplyMode.Reload)
        {
            services.AddSingleton<IMembershipApplier, ReloadApplier>();
        }
        else
        {
            services.AddSingleton<IMembershipApplier, RuntimeApiApplier>();
        }

        return role.Loop<MembershipSyncLoop>()
            .Loop<MembershipTickLoop>()
            .MessageHandler<LbMembershipHandler>();
    }
}
