using System.Net;
using Microsoft.Extensions.Time.Testing;
using NodeAgent.Dns.Failover;
using NodeAgent.Roles.Lb.Configuration;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Dns;

/// <summary>The shared name claim's gate and on-demand takeover (what a db primary needs beyond the lb pair), against a real BIND.</summary>
[Collection(DnsCollection.Name)]
public sealed class ClaimGateTests
{
    private static readonly IPAddress A = IPAddress.Parse("10.0.2.1");
    private static readonly IPAddress B = IPAddress.Parse("10.0.2.2");
    private static readonly LbFailoverConfig Settings = new() { Interval = TimeSpan.FromSeconds(2), Fall = 2, MinHold = TimeSpan.FromSeconds(30), Lease = TimeSpan.FromSeconds(15) };

    private static FakeTimeProvider Clock() => new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task FreeName_WhenTheGateSaysNo_IsNotClaimed_AndTheStandbySaysWhy()
    {
        await using var bind = await BindServer.StartAsync();
        var gate = new ScriptedGate { Allow = false };
        using var node = new FailoverNode(bind, "db-2", A, Clock(), Settings, gate);

        var role = await node.RunOnceAsync();

        Assert.Equal(FailoverRole.Standby, role);
        Assert.True((await node.Provider.ReadAsync(node.Coordinator.Name, CancellationToken.None)).IsEmpty);
        Assert.Equal(ClaimKind.Free, gate.Asked.Single().Kind);
        Assert.Contains("is free; not claiming: scripted: not this node", node.State.Current.Detail);
        Assert.True(node.Logger.Has(5033));
    }

    [Fact]
    public async Task Takeover_AfterFailedProbes_AsksTheGate_AndOnlyThenWrites()
    {
        await using var bind = await BindServer.StartAsync();
        var time = Clock();
        using var holder = new FailoverNode(bind, "db-1", A, time, Settings);
        var gate = new ScriptedGate { Allow = false };
        using var replica = new FailoverNode(bind, "db-2", B, time, Settings, gate);
        await holder.RunOnceAsync();
        time.Advance(Settings.MinHold);
        await holder.RunOnceAsync();
        replica.Probe.Healthy = false;

        await replica.RunOnceAsync();
        time.Advance(Settings.Interval);
        var denied = await replica.RunOnceAsync();
        gate.Allow = true;
        time.Advance(Settings.Interval);
        var allowed = await replica.RunOnceAsync();

        Assert.Equal((FailoverRole.Standby, FailoverRole.Active), (denied, allowed));
        Assert.Equal([ClaimKind.HolderFailed, ClaimKind.HolderFailed], gate.Asked.Select(a => a.Kind));
        Assert.Equal("db-1", gate.Asked[0].Current!.Owner);
        var lease = LeaseRecord.Find((await replica.Provider.ReadAsync(replica.Coordinator.Name, CancellationToken.None)).Texts)!;
        Assert.Equal(("db-2", 2L), (lease.Owner, lease.Epoch));
    }

    [Fact]
    public async Task TakeOverNow_WithTheExpectedEpoch_TakesTheNameAtOnce_WithEpochPlusOne()
    {
        await using var bind = await BindServer.StartAsync();
        var time = Clock();
        using var holder = new FailoverNode(bind, "db-1", A, time, Settings);
        using var target = new FailoverNode(bind, "db-2", B, time, Settings, new ScriptedGate { Allow = false });
        await holder.RunOnceAsync();
        await target.RunOnceAsync();

        var result = await target.Coordinator.TakeOverNowAsync(1, "planned switchover", CancellationToken.None);

        Assert.True(result.Applied, result.Detail);
        Assert.Equal(("db-2", 2L), (result.Lease!.Owner, result.Lease.Epoch));
        var records = await target.Provider.ReadAsync(target.Coordinator.Name, CancellationToken.None);
        Assert.Equal([B], records.Addresses);
        Assert.Equal(FailoverRole.Active, target.State.Role);
        Assert.Equal(FailoverRole.Standby, await holder.RunOnceAsync());
    }

    [Fact]
    public async Task TakeOverNow_WithAStaleEpoch_OrFromItself_IsRefusedWithAReason_AndChangesNothing()
    {
        await using var bind = await BindServer.StartAsync();
        var time = Clock();
        using var holder = new FailoverNode(bind, "db-1", A, time, Settings);
        using var target = new FailoverNode(bind, "db-2", B, time, Settings);
        await holder.RunOnceAsync();
        var before = await holder.Provider.ReadAsync(holder.Coordinator.Name, CancellationToken.None);

        var stale = await target.Coordinator.TakeOverNowAsync(7, "planned switchover", CancellationToken.None);
        var self = await holder.Coordinator.TakeOverNowAsync(1, "planned switchover", CancellationToken.None);

        Assert.False(stale.Applied);
        Assert.Contains("stale epoch", stale.Detail);
        Assert.False(self.Applied);
        Assert.Contains("already holds", self.Detail);
        Assert.Equal(before.ToString(), (await holder.Provider.ReadAsync(holder.Coordinator.Name, CancellationToken.None)).ToString());
    }
}
