using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Dns;
using NodeAgent.Dns.Rfc2136;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Dns;

/// <summary>The RFC 2136 + TSIG provider against a real BIND 9.</summary>
[Collection(DnsCollection.Name)]
public sealed class Rfc2136ProviderTests
{
    private static readonly IPAddress A1 = IPAddress.Parse("10.0.0.1");
    private static readonly IPAddress A2 = IPAddress.Parse("10.0.0.2");

    internal static Rfc2136Provider Provider(BindServer bind, string? secret = null, string? keyName = null, int? port = null, TimeSpan? timeout = null)
    {
        var config = bind.Config(secret, keyName);
        return new Rfc2136Provider(bind.Zone, port is null ? config : config with { Port = port.Value }, timeout ?? TimeSpan.FromSeconds(5),
            TimeProvider.System, NullLogger<Rfc2136Provider>.Instance);
    }

    [Fact]
    public async Task Claim_WhenTheNameIsNotInUse_AppliesAndASecondClaimFailsItsPrecondition()
    {
        await using var bind = await BindServer.StartAsync();
        using var dns = Provider(bind);
        var name = $"lb.{bind.Zone}";

        var first = await dns.UpdateAsync(new DnsUpdate(name, DnsPrecondition.Absent, DnsRecordSet.Of(A1, 30, "owner=a"), 30), CancellationToken.None);
        var second = await dns.UpdateAsync(new DnsUpdate(name, DnsPrecondition.Absent, DnsRecordSet.Of(A2, 30, "owner=b"), 30), CancellationToken.None);
        var records = await dns.ReadAsync(name, CancellationToken.None);

        Assert.Equal(DnsUpdateResult.Applied, first);
        Assert.Equal(DnsUpdateResult.PreconditionFailed, second);
        Assert.Equal([A1], records.Addresses);
        Assert.Equal(["owner=a"], records.Texts);
        Assert.Equal(30, records.Ttl);
    }

    [Fact]
    public async Task CompareAndSwap_FromTheExactCurrentRecords_ChangesAAndTxtTogether()
    {
        await using var bind = await BindServer.StartAsync();
        using var dns = Provider(bind);
        var name = $"lb.{bind.Zone}";
        await dns.UpdateAsync(new DnsUpdate(name, DnsPrecondition.Absent, DnsRecordSet.Of(A1, 30, "epoch=1"), 30), CancellationToken.None);
        var current = await dns.ReadAsync(name, CancellationToken.None);

        var result = await dns.UpdateAsync(new DnsUpdate(name, DnsPrecondition.Exactly(current), DnsRecordSet.Of(A2, 30, "epoch=2"), 30), CancellationToken.None);

        Assert.Equal(DnsUpdateResult.Applied, result);
        var after = await dns.ReadAsync(name, CancellationToken.None);
        Assert.Equal([A2], after.Addresses);
        Assert.Equal(["epoch=2"], after.Texts);
    }

    [Theory]
    [InlineData("10.0.0.9", "epoch=1")]
    [InlineData("10.0.0.1", "epoch=0")]
    public async Task CompareAndSwap_FromStaleRecords_FailsAndChangesNothing(string staleAddress, string staleText)
    {
        await using var bind = await BindServer.StartAsync();
        using var dns = Provider(bind);
        var name = $"lb.{bind.Zone}";
        await dns.UpdateAsync(new DnsUpdate(name, DnsPrecondition.Absent, DnsRecordSet.Of(A1, 30, "epoch=1"), 30), CancellationToken.None);
        var stale = DnsRecordSet.Of(IPAddress.Parse(staleAddress), 30, staleText);

        var result = await dns.UpdateAsync(new DnsUpdate(name, DnsPrecondition.Exactly(stale), DnsRecordSet.Of(A2, 30, "epoch=2"), 30), CancellationToken.None);

        Assert.Equal(DnsUpdateResult.PreconditionFailed, result);
        var after = await dns.ReadAsync(name, CancellationToken.None);
        Assert.Equal([A1], after.Addresses);
        Assert.Equal(["epoch=1"], after.Texts);
    }

    [Fact]
    public async Task Calls_IssuedConcurrentlyOnOneProvider_AllGetTheirOwnAnswers()
    {
        await using var bind = await BindServer.StartAsync();
        using var dns = Provider(bind);
        var names = Enumerable.Range(0, 10).Select(i => $"n{i}.{bind.Zone}").ToList();
        await Task.WhenAll(names.Select((n, i) => dns.UpdateAsync(
            new DnsUpdate(n, DnsPrecondition.None, DnsRecordSet.Of(IPAddress.Parse($"10.0.3.{i + 1}"), 30, $"text {i}"), 30), CancellationToken.None)));

        var reads = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => dns.ReadAsync(names[i % 10], CancellationToken.None)));

        for (var i = 0; i < reads.Length; i++)
        {
            Assert.Equal([IPAddress.Parse($"10.0.3.{(i % 10) + 1}")], reads[i].Addresses);
            Assert.Equal([$"text {i % 10}"], reads[i].Texts);
        }
    }

    [Fact]
    public async Task Read_OfANameThatDoesNotExist_IsEmpty()
    {
        await using var bind = await BindServer.StartAsync();
        using var dns = Provider(bind);

        var records = await dns.ReadAsync($"nothing.{bind.Zone}", CancellationToken.None);

        Assert.True(records.IsEmpty);
    }

    [Fact]
    public async Task Update_SignedWithAWrongSecret_IsRejectedWithAClearError()
    {
        await using var bind = await BindServer.StartAsync();
        using var dns = Provider(bind, secret: Convert.ToBase64String(new byte[32]));
        var name = $"lb.{bind.Zone}";

        var ex = await Assert.ThrowsAsync<DnsProviderException>(() =>
            dns.UpdateAsync(new DnsUpdate(name, DnsPrecondition.Absent, DnsRecordSet.Of(A1, 30), 30), CancellationToken.None));

        Assert.Equal(DnsFailure.Authentication, ex.Failure);
        Assert.Contains("rejected our TSIG signature (BADSIG)", ex.Message);
        Assert.Contains($"the secret of key '{BindServer.KeyName}' does not match the server's", ex.Message);
        using var right = Provider(bind);
        Assert.True((await right.ReadAsync(name, CancellationToken.None)).IsEmpty);
    }

    [Fact]
    public async Task Update_WithAKeyNameTheServerDoesNotKnow_IsRejectedWithAClearError()
    {
        await using var bind = await BindServer.StartAsync();
        using var dns = Provider(bind, keyName: "no-such-key");

        var ex = await Assert.ThrowsAsync<DnsProviderException>(() =>
            dns.UpdateAsync(new DnsUpdate($"lb.{bind.Zone}", DnsPrecondition.Absent, DnsRecordSet.Of(A1, 30), 30), CancellationToken.None));

        Assert.Equal(DnsFailure.Authentication, ex.Failure);
        Assert.Contains("BADKEY", ex.Message);
        Assert.Contains("has no key 'no-such-key'", ex.Message);
    }

    [Fact]
    public async Task Answers_WhoseTsigSignatureDoesNotVerify_AreRejectedNotTrusted()
    {
        await using var bind = await BindServer.StartAsync();
        await using var relay = new DnsTamperingRelay(new IPEndPoint(bind.Address, bind.Port));
        using var dns = Provider(bind, port: relay.Port);
        var name = $"lb.{bind.Zone}";

        var update = await Assert.ThrowsAsync<DnsProviderException>(() =>
            dns.UpdateAsync(new DnsUpdate(name, DnsPrecondition.Absent, DnsRecordSet.Of(A1, 30), 30), CancellationToken.None));
        var read = await Assert.ThrowsAsync<DnsProviderException>(() => dns.ReadAsync(name, CancellationToken.None));

        Assert.True(relay.Tampered >= 2, $"the relay changed {relay.Tampered} answers");
        Assert.Equal(DnsFailure.Authentication, update.Failure);
        Assert.Contains("has a TSIG signature that does not verify", update.Message);
        Assert.Contains("corrupted or forged", read.Message);
    }

    [Fact]
    public async Task Calls_WhenTheServerIsDown_FailFastAsUnreachableNamingTheServer()
    {
        await using var bind = await BindServer.StartAsync();
        using var dns = Provider(bind);
        await bind.StopAsync();
        var clock = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<DnsProviderException>(() => dns.ReadAsync($"lb.{bind.Zone}", CancellationToken.None));

        Assert.Equal(DnsFailure.Unreachable, ex.Failure);
        Assert.True(ex.Transient);
        Assert.Contains($"no answer from the DNS server 127.0.0.1:{bind.Port}", ex.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Update_OfANameOutsideTheZone_IsRefusedBeforeSending()
    {
        await using var bind = await BindServer.StartAsync();
        using var dns = Provider(bind);

        var ex = await Assert.ThrowsAsync<DnsProviderException>(() =>
            dns.UpdateAsync(new DnsUpdate("lb.elsewhere.test", DnsPrecondition.None, DnsRecordSet.Of(A1, 30), 30), CancellationToken.None));

        Assert.Equal(DnsFailure.Refused, ex.Failure);
        Assert.Contains($"not inside zone {bind.Zone}", ex.Message);
    }
}
