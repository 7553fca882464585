using System.Net;
using Microsoft.Extensions.Time.Testing;
using NodeAgent.Configuration;
using NodeAgent.Dns;
using NodeAgent.Dns.Failover;
using NodeAgent.Roles.Lb.Configuration;
using NodeAgent.Testing;
using Prometheus;

namespace NodeAgent.Tests.Dns;

/// <summary>The failover state machine against a real BIND, with a scripted probe and a fake clock.</summary>
[Collection(DnsCollection.Name)]
public sealed class FailoverCoordinatorTests
{
    private static readonly IPAddress Lb1Address = IPAddress.Parse("10.0.1.1");
    private static readonly IPAddress Lb2Address = IPAddress.Parse("10.0.1.2");
    private static readonly LbFailoverConfig Settings = new() { Interval = TimeSpan.FromSeconds(2), Fall = 2, MinHold = TimeSpan.FromSeconds(30), Lease = TimeSpan.FromSeconds(15) };

    private static FakeTimeProvider Clock() => new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));

    private static async Task<(DnsRecordSet Records, LeaseRecord? Lease)> ReadAsync(FailoverNode node)
    {
        var records = await node.Provider.ReadAsync(node.Coordinator.Name, CancellationToken.None);
        return (records, LeaseRecord.Find(records.Texts));
    }

    [Fact]
    public async Task FirstRound_WhenTheNameIsFree_ClaimsItWithEpochOneAndIsActive()
    {
        await using var bind = await BindServer.StartAsync();
        var time = Clock();
        using var lb1 = new FailoverNode(bind, "lb1", Lb1Address, time, Settings);

        var role = await lb1.RunOnceAsync();

        Assert.Equal(FailoverRole.Active, role);
        var (records, lease) = await ReadAsync(lb1);
        Assert.Equal([Lb1Address], records.Addresses);
        Assert.Equal(new LeaseRecord("lb1", 1, time.GetUtcNow(), time.GetUtcNow() + Settings.Lease), lease);
        Assert.True(lb1.Readiness.Snapshot().Ready);
        Assert.StartsWith($"active: holds lb.{bind.Zone} (epoch 1", lb1.Readiness.Snapshot().Checks.Single().Detail);
        Assert.True(lb1.Logger.Has(5020));
    }

    [Fact]
    public async Task Peer_WhileTheHolderAnswersItsProbes_StaysStandbyAndChangesNothing()
    {
        await using var bind = await BindServer.StartAsync();
        var time = Clock();
        using var lb1 = new FailoverNode(bind, "lb1", Lb1Address, time, Settings);
        using var lb2 = new FailoverNode(bind, "lb2", Lb2Address, time, Settings);
        await lb1.RunOnceAsync();
        time.Advance(TimeSpan.FromMinutes(1));
        await lb1.RunOnceAsync();

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(FailoverRole.Standby, await lb2.RunOnceAsync());
            time.Advance(Settings.Interval);
        }

        Assert.Equal(5, lb2.Probe.Calls);
        Assert.Equal("lb1", (await ReadAsync(lb1)).Lease!.Owner);
        Assert.StartsWith($"standby: lb.{bind.Zone} held by lb1 (epoch 1", lb2.Readiness.Snapshot().Checks.Single().Detail);
        Assert.Contains("nodeagent_lb_failover_active 0", await MetricsAsync(lb2));
    }

    [Fact]
    public async Task Peer_AfterFallFailedProbes_TakesOverAAndLeaseInOneUpdate_AndTheOldHolderStepsDown()
    {
        await using var bind = await BindServer.StartAsync();
        var time = Clock();
        using var lb1 = new FailoverNode(bind, "lb1", Lb1Address, time, Settings);
        using var lb2 = new FailoverNode(bind, "lb2", Lb2Address, time, Settings);
        await lb1.RunOnceAsync();
        time.Advance(Settings.MinHold);
        await lb1.RunOnceAsync();
        var held = await ReadAsync(lb1);
        lb2.Probe.Healthy = false;

        var first = await lb2.RunOnceAsync();
        time.Advance(Settings.Interval);
        var second = await lb2.RunOnceAsync();

        Assert.Equal(FailoverRole.Standby, first);
        Assert.Equal(FailoverRole.Active, second);
        var (records, lease) = await ReadAsync(lb2);
        Assert.Equal([Lb2Address], records.Addresses);
        Assert.Equal("lb2", lease!.Owner);
        Assert.Equal(held.Lease!.Epoch + 1, lease.Epoch);
        Assert.Equal(time.GetUtcNow().ToUnixTimeSeconds(), lease.Since.ToUnixTimeSeconds());
        Assert.Contains(lb2.Logger.Entries, e => e.EventId == 5021 && e.Message.Contains("2 failed probes of lb1"));
        Assert.Contains("nodeagent_lb_failover_takeovers_total 1", await MetricsAsync(lb2));

        var old = await lb1.RunOnceAsync();

        Assert.Equal(FailoverRole.Standby, old);
        Assert.Equal(FailoverRole.Standby, lb1.State.Role);
        Assert.Contains(lb1.Logger.Entries, e => e.EventId == 5022 && e.Message.Contains("lost lb.") && e.Message.Contains("to lb2 (epoch 2"));
        Assert.StartsWith($"standby: lb.{bind.Zone} held by lb2 (epoch 2", lb1.Readiness.Snapshot().Checks.Single().Detail);
    }

    [Fact]
    public async Task Peer_WhenTheHolderFailsWithinTheMinimumHold_WaitsUntilTheHoldHasPassed()
    {
        await using var bind = await BindServer.StartAsync();
        var time = Clock();
        using var lb1 = new FailoverNode(bind, "lb1", Lb1Address, time, Settings);
        using var lb2 = new FailoverNode(bind, "lb2", Lb2Address, time, Settings);
        await lb1.RunOnceAsync();
        lb2.Probe.Healthy = false;

        for (var i = 0; i < 5; i++)
        {
            await lb1.RunOnceAsync();
            Assert.Equal(FailoverRole.Standby, await lb2.RunOnceAsync());
            time.Advance(Settings.Interval);
        }

        Assert.Contains(lb2.Logger.Entries, e => e.EventId == 5026);
        time.Advance(Settings.MinHold);
        await lb1.RunOnceAsync();
        Assert.Equal(FailoverRole.Active, await lb2.RunOnceAsync());
    }

    [Fact]
    public async Task Peer_WhenTheHoldersLeaseHasExpired_TakesOverAtOnceWithoutProbing()
    {
        await using var bind = await BindServer.StartAsync();
        var time = Clock();
        using var lb1 = new FailoverNode(bind, "lb1", Lb1Address, time, Settings);
        using var lb2 = new FailoverNode(bind, "lb2", Lb2Address, time, Settings);
        await lb1.RunOnceAsync();
        time.Advance(Settings.Lease + TimeSpan.FromSeconds(1));

        var role = await lb2.RunOnceAsync();

        Assert.Equal(FailoverRole.Active, role);
        Assert.Equal(0, lb2.Probe.Calls);
        Assert.Contains(lb2.Logger.Entries, e => e.EventId == 5021 && e.Message.Contains("lb1's lease expired"));
    }

    [Fact]
    public async Task Holder_RenewsItsLeaseWhenHalfHasRun_KeepingEpochAndSince()
    {
        await using var bind = await BindServer.StartAsync();
        var time = Clock();
        using var lb1 = new FailoverNode(bind, "lb1", Lb1Address, time, Settings);
        await lb1.RunOnceAsync();
        var claimed = (await ReadAsync(lb1)).Lease!;

        time.Advance(TimeSpan.FromSeconds(4));
        await lb1.RunOnceAsync();
        var early = (await ReadAsync(lb1)).Lease!;
        time.Advance(TimeSpan.FromSeconds(4));
        await lb1.RunOnceAsync();
        var renewed = (await ReadAsync(lb1)).Lease!;

        Assert.Equal(claimed, early);
        Assert.Equal(claimed with { Expires = time.GetUtcNow() + Settings.Lease }, renewed);
    }

    [Fact]
    public async Task Holder_WhenDnsIsUnreachable_StaysActiveUntilItsLeaseRunsOutThenStopsActingActive()
    {
        await using var bind = await BindServer.StartAsync();
        var time = Clock();
        using var lb1 = new FailoverNode(bind, "lb1", Lb1Address, time, Settings);
        await lb1.RunOnceAsync();
        await bind.StopAsync();

        time.Advance(TimeSpan.FromSeconds(10));
        var ex = await Assert.ThrowsAsync<DnsProviderException>(lb1.RunOnceAsync);
        lb1.Coordinator.OnRoundFailed(ex);
        var during = lb1.State.Role;
        time.Advance(TimeSpan.FromSeconds(6));
        lb1.Coordinator.OnRoundFailed(ex);

        Assert.Equal(FailoverRole.Active, during);
        Assert.Equal(FailoverRole.Unknown, lb1.State.Role);
        Assert.True(lb1.Logger.Has(5029));
        var check = lb1.Readiness.Snapshot().Checks.Single();
        Assert.False(check.Ready);
        Assert.StartsWith($"unknown: cannot read lb.{bind.Zone}: ", check.Detail);
        Assert.Contains("no answer from the DNS server", check.Detail);
    }

    [Fact]
    public async Task Holder_OnRelease_EndsItsLeaseSoThePeerTakesOverAtItsNextRound()
    {
        await using var bind = await BindServer.StartAsync();
        var time = Clock();
        using var lb1 = new FailoverNode(bind, "lb1", Lb1Address, time, Settings);
        using var lb2 = new FailoverNode(bind, "lb2", Lb2Address, time, Settings);
        await lb1.RunOnceAsync();
        await lb2.RunOnceAsync();

        await lb1.Coordinator.ReleaseAsync(CancellationToken.None);
        var role = await lb2.RunOnceAsync();

        Assert.Equal(FailoverRole.Standby, lb1.State.Role);
        Assert.Equal(FailoverRole.Active, role);
        Assert.Equal(1, lb2.Probe.Calls);
        var (records, lease) = await ReadAsync(lb2);
        Assert.Equal([Lb2Address], records.Addresses);
        Assert.Equal(2, lease!.Epoch);
    }

    [Fact]
    public async Task Holder_RestartingWithinItsLease_ResumesAsActiveWithTheSameEpoch()
    {
        await using var bind = await BindServer.StartAsync();
        var time = Clock();
        using (var before = new FailoverNode(bind, "lb1", Lb1Address, time, Settings))
        {
            await before.RunOnceAsync();
        }

        using var after = new FailoverNode(bind, "lb1", Lb1Address, time, Settings);
        time.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(FailoverRole.Active, await after.RunOnceAsync());
        Assert.Equal(1, (await ReadAsync(after)).Lease!.Epoch);
        Assert.True(after.Logger.Has(5023));
    }

    private static async Task<string> MetricsAsync(FailoverNode node)
    {
        using var stream = new MemoryStream();
        await node.Metrics.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
