using System.Net;
using NodeAgent.Roles.Db.Engines;

namespace NodeAgent.Testing.Replication;

/// <summary>
/// A replica's database server as the promotion race scripts it: a running replica at <see cref="Progress"/>, peers at
/// the progress <see cref="PeerProgress"/> says (null: they do not answer), a dead primary (<c>db-dead</c>), and live
/// replicas (whichever of them won the name is being promoted, and answers). The race is about the
/// decision and the compare-and-swap, which run for real; what the servers report is set by the trial.
/// </summary>
public sealed class ScriptedReplicationEngine : IReplicationEngine
{
    public ReplicationProgress Progress { get; set; } = new(1, 100, "0/64");

    public Func<PeerEndpoint, ReplicationProgress?> PeerProgress { get; set; } = _ => null;


    public string EngineName => "postgresql";

    public string PortName => "postgresql";

    public int Port => 5432;

    public Task<LocalServer> InspectAsync(CancellationToken cancellationToken) => Task.FromResult(new LocalServer(LocalData.Replica, true, "scripted replica"));

    public Task<ReplicationStatus> ReadStatusAsync(CancellationToken cancellationToken)
        => Task.FromResult(new ReplicationStatus { IsReplica = true, Timeline = Progress.Timeline, Position = Progress.Text, ReceiverState = "archive", Progress = Progress });

    public Task<ReplicationProgress?> ReadPeerAsync(PeerEndpoint peer, TimeSpan timeout, CancellationToken cancellationToken) => Task.FromResult(PeerProgress(peer));

    public Task<string?> ProbeAsync(PeerEndpoint holder, TimeSpan timeout, CancellationToken cancellationToken)
        => Task.FromResult(holder.NodeId == DeadHolder ? $"{holder}: connection refused (scripted)" : null);

    public const string DeadHolder = "db-dead";

    public Task StartAsync(bool asPrimary, PeerEndpoint? upstream, CancellationToken cancellationToken) => throw Unused();

    public Task StopAsync(CancellationToken cancellationToken) => throw Unused();

    public Task<string> StopForSwitchoverAsync(CancellationToken cancellationToken) => throw Unused();

    public Task<bool> ReplayedPastAsync(string position, CancellationToken cancellationToken) => throw Unused();

    public Task<string?> NeedsReseedAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(null);

    public Task<BuildReport> BuildReplicaAsync(PeerEndpoint? upstream, CancellationToken cancellationToken) => throw Unused();

    public Task<BuildReport> RejoinAsync(PeerEndpoint upstream, CancellationToken cancellationToken) => throw Unused();

    public Task PointAtAsync(PeerEndpoint upstream, CancellationToken cancellationToken) => throw Unused();

    public Task<long> PromoteAsync(PromotionContext context, CancellationToken cancellationToken) => throw Unused();

    public Task EnsurePrimaryAsync(CancellationToken cancellationToken) => throw Unused();

    public Task<bool> SetSynchronousAsync(IReadOnlyList<string> standbys, CancellationToken cancellationToken) => throw Unused();

    private static NotSupportedException Unused() => new("the promotion race only decides; it never acts on a server");

    public static IPAddress Dead { get; } = IPAddress.Parse("10.9.9.99");
}
