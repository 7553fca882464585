using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Hosting;
using NodeAgent.Messaging;
using NodeAgent.Registry;

namespace NodeAgent.Roles.Web.Membership;

public static class MembershipServiceCollectionExtensions
{
    /// <summary>A web node's membership nudges: join/leave to the lb nodes, the drain that waits for their answers.</summary>
    public static RoleBuilder AddMembershipNudges(this RoleBuilder role)
    {
        var services = role.Services;
        services.AddSingleton<MembershipNudger>();
        services.AddSingleton<DrainAcknowledgements>();
        services.AddSingleton<JoinNudges>();
        services.AddSingleton<IRegistrationObserver>(sp => sp.GetRequiredService<JoinNudges>());
        services.AddHostedService(sp => sp.GetRequiredService<JoinNudges>());
        services.AddSingleton<IDrainParticipant, LbDrainParticipant>();
        role.MessageHandler<MembershipAckHandler>();
        role.TerminationStep<LeaveOnTerminationStep>();
        return role;
    }
}
