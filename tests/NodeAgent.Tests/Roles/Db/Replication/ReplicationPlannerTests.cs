using System.Net;
using NodeAgent.Dns.Failover;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Engines;
using NodeAgent.Roles.Db.Replication;

namespace NodeAgent.Tests.Roles.Db.Replication;

/// <summary>The replication loop's decisions: the writers' name decides who runs the primary.</summary>
public sealed class ReplicationPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly PeerEndpoint Db1 = new("db-1", IPAddress.Parse("10.0.0.1"), 5432);
    private static readonly ReplicationStatus Replica = new() { IsReplica = true, UpstreamHost = "10.0.0.1", ReceiverState = "streaming", Progress = new(1, 1, "0/1") };
    private static readonly ReplicationStatus Primary = new() { IsReplica = false, Progress = new(1, 1, "0/1") };

    public static TheoryData<string, PlanInput, StepKind> Cases() => new()
    {
        { "holder with a stopped primary's data starts it", Input(Active(), Local(LocalData.Primary, false)), StepKind.StartPrimary },
        { "holder running a replica promotes it", Input(Active(), Local(LocalData.Replica, true), Replica), StepKind.Promote },
        { "new primary ensures replication access first", Input(Active(), Local(LocalData.Primary, true), Primary), StepKind.EnsurePrimary },
        { "primary with access in place serves", Input(Active(), Local(LocalData.Primary, true), Primary) with { PrimaryReady = true }, StepKind.Serve },
        { "a running primary while another holds the name is fenced", Input(Held("db-1"), Local(LocalData.Primary, true), Primary, Db1), StepKind.Fence },
        { "a fenced primary rejoins once the holder's address is known", Input(Held("db-1"), Local(LocalData.Primary, false), upstream: Db1), StepKind.Rejoin },
        { "a fenced primary waits while the holder's address is unknown", Input(Held("db-1"), Local(LocalData.Primary, false)), StepKind.Wait },
        { "an empty node builds from the archive", Input(Held("db-1"), Local(LocalData.Empty, false), upstream: Db1), StepKind.Build },
        { "a stopped replica that can catch up starts", Input(Held("db-1"), Local(LocalData.Replica, false), upstream: Db1), StepKind.StartReplica },
        { "a stopped replica too far behind re-seeds", Input(Held("db-1"), Local(LocalData.Replica, false), upstream: Db1) with { ReseedReason = "WAL gone" }, StepKind.Build },
        { "a replica of another host follows the new primary", Input(Held("db-1"), Local(LocalData.Replica, true), Replica with { UpstreamHost = "10.0.0.9" }, Db1), StepKind.PointAt },
        { "a replica of the holder serves", Input(Held("db-1"), Local(LocalData.Replica, true), Replica, Db1), StepKind.Serve },
        { "a replica with the primary's record missing keeps serving reads", Input(Held("db-1"), Local(LocalData.Replica, true), Replica), StepKind.Serve },
        { "a primary's data waits to claim a free name", Input(Free(), Local(LocalData.Primary, false)), StepKind.Wait },
        { "a replica starts when DNS cannot be read", Input(Unknown(null), Local(LocalData.Replica, false)), StepKind.StartReplica },
        { "a primary whose own lease lapsed stops with automatic failover", Input(Unknown("db-2"), Local(LocalData.Primary, true), Primary) with { AutoFailover = true }, StepKind.Fence },
        { "a primary whose own lease lapsed keeps serving without it", Input(Unknown("db-2"), Local(LocalData.Primary, true), Primary), StepKind.Wait },
        { "the old primary of a switchover waits for the target", Input(Active(), Local(LocalData.Primary, false)) with { Switchover = Pending(Now.AddSeconds(30)) }, StepKind.Wait },
        { "a switchover that did not happen in time resumes", Input(Active(), Local(LocalData.Primary, false)) with { Switchover = Pending(Now.AddSeconds(-1)) }, StepKind.ResumeAfterSwitchover },
        { "once the target holds the name the old primary rejoins", Input(Held("db-1"), Local(LocalData.Primary, false), upstream: Db1) with { Switchover = Pending(Now.AddSeconds(30)) }, StepKind.Rejoin },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Plan(string name, PlanInput input, StepKind expected)
        => Assert.True(ReplicationPlanner.Plan(input).Kind == expected, $"{name}: {ReplicationPlanner.Plan(input)}");

    private static PlanInput Input(FailoverSnapshot claim, LocalServer local, ReplicationStatus? status = null, PeerEndpoint? upstream = null) => new()
    {
        NodeId = "db-2",
        Name = "db.shop.internal",
        Mode = ReplicationMode.Auto,
        Claim = claim,
        Local = local,
        Status = status,
        Upstream = upstream,
        UpstreamProblem = upstream is null ? "db-1 has no record in the registry" : null,
        Now = Now,
    };

    private static LocalServer Local(LocalData data, bool running) => new(data, running, data.ToString());

    private static FailoverSnapshot Active() => new(FailoverRole.Active, "db-2", 3, Now.AddSeconds(10), "active");

    private static FailoverSnapshot Held(string holder) => new(FailoverRole.Standby, holder, 3, Now.AddSeconds(10), "standby");

    private static FailoverSnapshot Free() => new(FailoverRole.Standby, null, 0, null, "free");

    private static FailoverSnapshot Unknown(string? holder) => new(FailoverRole.Unknown, holder, 3, null, "unknown: cannot read");

    private static PendingSwitchover Pending(DateTimeOffset deadline) => new("req-00000001", "db-1", 3, deadline, "0/5000028");
}
