using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Messaging;
using NodeAgent.Registry;

namespace NodeAgent.Membership;

public static class MembershipServiceCollectionExtensions
{
    /// <summary>A web node's membership nudges: join/leave to the lb nodes, the drain that waits for their answers.</summary>
    public static IServiceCollection AddMembershipNudges(this IServiceCollection services)
    {
        services.AddSingleton<MembershipNudger>();
        services.AddSingleton<DrainAcknowledgements>();
        services.AddSingleton<JoinNudges>();
        services.AddSingleton<IRegistrationObserver>(sp => sp.GetRequiredService<JoinNudges>());
        services.AddHostedService(sp => sp.GetRequiredService<JoinNudges>());
        services.AddSingleton<IDrainParticipant, LbDrainParticipant>();
        services.AddSingleton<IMessageHandler, MembershipAckHandler>();
        return services;
    }
}
