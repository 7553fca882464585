using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NodeAgent.Dns;
using NodeAgent.Dns.Failover;
using NodeAgent.Hosting;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Engines;
using NodeAgent.Roles.Db.Replication.Switchover;
using NodeAgent.Status;

namespace NodeAgent.Roles.Db.Replication;

public static class ReplicationServiceCollectionExtensions
{
    /// <summary>
    /// Replication when <c>db.replication.mode</c> is not <c>off</c> (docs/replication.md): the engine's replication side,
    /// the writers' name claimed through the kernel's shared name coordinator with this role's probe and gate, the first
    /// claim at boot and its loop, the replication loop, the planned switchover (callable as <see cref="IDbSwitchover"/>, and run by a primary whose instance is terminated,
    /// and its two message handlers), and the backup gate that leaves backups to the primary.
    /// </summary>
    public static RoleBuilder AddDbReplication(this RoleBuilder role, DbSection db, IDbEngine engine)
    {
        if (!db.Replication.Enabled)
        {
            return role;
        }

        var services = role.Services;
        var config = role.Config;
        engine.AddReplication(services);
        services.AddAgentMetrics();
        services.AddDnsProvider(config);
        services.AddSingleton(db.Replication.ClaimSettings);
        services.TryAddSingleton<FailoverState>();
        services.AddSingleton<PeerDirectory>();
        services.AddSingleton<IHolderProbe, DbHolderProbe>();
        services.AddSingleton<DbClaimGate>();
        services.AddSingleton<IClaimGate>(sp => sp.GetRequiredService<DbClaimGate>());
        services.TryAddSingleton<FailoverCoordinator>();
        services.AddSingleton<ReplicationState>();
        services.AddSingleton<EpochStore>();
        services.AddSingleton<ReplicationMetrics>();
        services.AddSingleton<SwitchoverStore>();
        services.AddSingleton<SwitchoverRunner>();
        services.AddSingleton<IDbSwitchover, DbSwitchoverClient>();
        services.AddSingleton<Lifecycle.IPlannedSwitchover, TerminationSwitchover>();
        services.AddSingleton<IBackupGate, ReplicaBackupGate>();
        role.StartupTask<ClaimDbNameTask>()
            .Loop<DbNameClaimService>()
            .Loop<ReplicationService>()
            .MessageHandler<DbPromoteHandler>()
            .MessageHandler<DbStopWritesHandler>()
            .ReadinessCheck(FailoverCoordinator.ReadinessCheck, "starting: the first claim round has not run")
            .ReadinessCheck(ReplicationService.CheckName, "starting: the replication loop has not run");
        return role;
    }
}
