using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Roles.Lb.Configuration;
using NodeAgent.Roles.Lb.Failover;
using NodeAgent.Roles.Lb.Haproxy;
using NodeAgent.Roles.Lb.Membership;
using NodeAgent.Roles.Lb.Rollout;

namespace NodeAgent.Roles.Lb;

/// <summary>The lb role: runs HAProxy, keeps its backends in step with the registry, holds the lb DNS name in a pair.</summary>
public sealed class LbRole : NodeRole<LbSection>
{
    /// <summary>The role's name in user-data and registry keys.</summary>
    public const string RoleName = "lb";

    public override string Name => RoleName;

    public override string Description => "HAProxy kept in step with the registry; lb pair failover through DNS";

    public override IReadOnlyList<SharedDnsName> DefaultSharedDnsNames => [new LbFailoverConfig().SharedName];

    protected override LbSection ReadSection(ConfigReader section) => LbSection.Read(section);

    protected override void Configure(RoleBuilder role, LbSection lb)
    {
        role.AddHaproxyBalancer(lb);
        role.AddLbMembership(lb);
        role.AddLbFailover(lb);
        role.AddLbRollouts();
    }
}
