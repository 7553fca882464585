using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Configuration;
using NodeAgent.Dns;
using NodeAgent.Dns.Exec;
using NodeAgent.Processes;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Dns;

/// <summary>The exec provider's contract: a bash script over nsupdate/dig against a real BIND, and the exit codes.</summary>
[Collection(DnsCollection.Name)]
public sealed class ExecDnsProviderTests
{
    private static readonly IPAddress A1 = IPAddress.Parse("10.0.0.1");
    private static readonly IPAddress A2 = IPAddress.Parse("10.0.0.2");

    /// <summary>An implementation of the exec contract (docs/dns.md) with BIND's own tools, as an operator might write it.</summary>
    internal const string NsupdateScript = """
        #!/usr/bin/env bash
        # usage: bind-dns.sh SERVER PORT SECRET read|update NAME
        set -uo pipefail
        server=$1 port=$2 key="hmac-sha256:nodeagent-test:$3" op=$4 name=$5
        case "$op" in
          read)
            dig +short +tcp -y "$key" -p "$port" "@$server" "$name" A | sed 's/^/A /'
            dig +short +tcp -y "$key" -p "$port" "@$server" "$name" TXT | sed -e 's/^"//' -e 's/"$//' -e 's/^/TXT /'
            ;;
          update)
            ttl=60 pre=none expect_a=0 expect_txt=0 prereqs=() adds=()
            while read -r field value; do
              case "$field" in
                ttl) ttl=$value ;;
                precondition) pre=$value ;;
                expect-a) expect_a=1; prereqs+=("prereq yxrrset $name A $value") ;;
                expect-txt) expect_txt=1; prereqs+=("prereq yxrrset $name TXT \"$value\"") ;;
                a) adds+=("update add $name $ttl A $value") ;;
                txt) adds+=("update add $name $ttl TXT \"$value\"") ;;
              esac
            done
            {
              echo "server $server $port"
              echo "zone $NODEAGENT_DNS_ZONE"
              case "$pre" in
                absent) echo "prereq nxdomain $name" ;;
                exactly)
                  [ "$expect_a" = 1 ] || echo "prereq nxrrset $name A"
                  [ "$expect_txt" = 1 ] || echo "prereq nxrrset $name TXT" ;;
              esac
              [ "${#prereqs[@]}" -eq 0 ] || printf '%s\n' "${prereqs[@]}"
              echo "update delete $name A"
              echo "update delete $name TXT"
              [ "${#adds[@]}" -eq 0 ] || printf '%s\n' "${adds[@]}"
              echo send
            } | nsupdate -v -y "$key" 2>"${TMPDIR:-/tmp}/nsupdate.$$" ; rc=$?
            err=$(cat "${TMPDIR:-/tmp}/nsupdate.$$"); rm -f "${TMPDIR:-/tmp}/nsupdate.$$"
            [ "$rc" -eq 0 ] && exit 0
            if echo "$err" | grep -Eq 'NXRRSET|YXRRSET|NXDOMAIN|YXDOMAIN'; then exit 3; fi
            echo "$err" >&2; exit 1
            ;;
        esac
        """;

    private static ExecDnsProvider Provider(string zone, params string[] command) => Provider(zone, TimeSpan.FromSeconds(20), command);

    private static ExecDnsProvider Provider(string zone, TimeSpan timeout, params string[] command)
        => new(zone, new ExecProviderConfig { Command = command, Timeout = timeout }, new CliWrapProcessRunner(), NullLogger<ExecDnsProvider>.Instance);

    private static string Script(TempDir dir, string body)
    {
        var path = dir.Combine($"dns-{Guid.NewGuid():N}.sh");
        File.WriteAllText(path, "#!/usr/bin/env bash\n" + body + "\n");
        return path;
    }

    [Fact]
    public async Task Contract_ImplementedWithNsupdate_ClaimsSwapsAndReadsAgainstRealBind()
    {
        await using var bind = await BindServer.StartAsync();
        using var dir = new TempDir();
        var script = dir.Combine("bind-dns.sh");
        await File.WriteAllTextAsync(script, NsupdateScript);
        var dns = Provider(bind.Zone, "/bin/bash", script, bind.Address.ToString(), bind.Port.ToString(), bind.Secret);
        var name = $"lb.{bind.Zone}";

        var claim = await dns.UpdateAsync(new DnsUpdate(name, DnsPrecondition.Absent, DnsRecordSet.Of(A1, 30, "owner=a epoch=1"), 30), CancellationToken.None);
        var again = await dns.UpdateAsync(new DnsUpdate(name, DnsPrecondition.Absent, DnsRecordSet.Of(A2, 30, "owner=b epoch=1"), 30), CancellationToken.None);
        var read = await dns.ReadAsync(name, CancellationToken.None);
        var stale = await dns.UpdateAsync(new DnsUpdate(name, DnsPrecondition.Exactly(DnsRecordSet.Of(A2, 30, "owner=b epoch=1")), DnsRecordSet.Of(A2, 30, "owner=b epoch=2"), 30), CancellationToken.None);
        var swap = await dns.UpdateAsync(new DnsUpdate(name, DnsPrecondition.Exactly(read), DnsRecordSet.Of(A2, 30, "owner=b epoch=2"), 30), CancellationToken.None);

        Assert.Equal(DnsUpdateResult.Applied, claim);
        Assert.Equal(DnsUpdateResult.PreconditionFailed, again);
        Assert.Equal([A1], read.Addresses);
        Assert.Equal(["owner=a epoch=1"], read.Texts);
        Assert.Equal(DnsUpdateResult.PreconditionFailed, stale);
        Assert.Equal(DnsUpdateResult.Applied, swap);
        using var truth = Rfc2136ProviderTests.Provider(bind);
        var after = await truth.ReadAsync(name, CancellationToken.None);
        Assert.Equal([A2], after.Addresses);
        Assert.Equal(["owner=b epoch=2"], after.Texts);
    }

    [Fact]
    public async Task Update_PassesTheOperationAsArgumentsAndTheRequestOnStandardInput()
    {
        using var dir = new TempDir();
        var capture = dir.Combine("capture.txt");
        var script = Script(dir, $"""printf 'args:%s\n' "$*" > {capture}; echo "zone:$NODEAGENT_DNS_ZONE name:$NODEAGENT_DNS_NAME op:$NODEAGENT_DNS_OPERATION" >> {capture}; cat >> {capture}""");
        var dns = Provider("shop.internal", "/bin/bash", script, "--fixed");

        var result = await dns.UpdateAsync(new DnsUpdate("LB.shop.internal.", DnsPrecondition.Exactly(DnsRecordSet.Of(A1, 30, "old")), DnsRecordSet.Of(A2, 30, "new lease"), 30), CancellationToken.None);

        Assert.Equal(DnsUpdateResult.Applied, result);
        Assert.Equal(
            "args:--fixed update lb.shop.internal\nzone:shop.internal name:lb.shop.internal op:update\n"
            + "ttl 30\nprecondition exactly\nexpect-a 10.0.0.1\nexpect-txt old\na 10.0.0.2\ntxt new lease\n",
            await File.ReadAllTextAsync(capture));
    }

    [Theory]
    [InlineData("exit 3", null, null)]
    [InlineData("echo 'zone is locked' >&2; exit 75", DnsFailure.ServerError, "exited with code 75: zone is locked")]
    [InlineData("echo 'no such zone' >&2; exit 2", DnsFailure.Refused, "exited with code 2: no such zone")]
    public async Task Update_MapsTheExitCode(string body, DnsFailure? failure, string? message)
    {
        using var dir = new TempDir();
        var dns = Provider("shop.internal", "/bin/bash", Script(dir, "cat >/dev/null; " + body));
        var update = new DnsUpdate("lb.shop.internal", DnsPrecondition.Absent, DnsRecordSet.Of(A1, 30), 30);

        if (failure is null)
        {
            Assert.Equal(DnsUpdateResult.PreconditionFailed, await dns.UpdateAsync(update, CancellationToken.None));
            return;
        }

        var ex = await Assert.ThrowsAsync<DnsProviderException>(() => dns.UpdateAsync(update, CancellationToken.None));
        Assert.Equal(failure, ex.Failure);
        Assert.Contains(message!, ex.Message);
    }

    [Fact]
    public async Task Read_WithOutputOutsideTheContract_FailsNamingTheLine()
    {
        using var dir = new TempDir();
        var dns = Provider("shop.internal", "/bin/bash", Script(dir, "echo 'A 10.0.0.1'; echo 'CNAME somewhere'"));

        var ex = await Assert.ThrowsAsync<DnsProviderException>(() => dns.ReadAsync("lb.shop.internal", CancellationToken.None));

        Assert.Equal(DnsFailure.Protocol, ex.Failure);
        Assert.Contains("printed 'CNAME somewhere'", ex.Message);
    }

    [Fact]
    public async Task Read_WhenTheCommandHangs_TimesOutAsUnreachable()
    {
        using var dir = new TempDir();
        var dns = Provider("shop.internal", TimeSpan.FromSeconds(1), "/bin/bash", Script(dir, "sleep 30"));

        var ex = await Assert.ThrowsAsync<DnsProviderException>(() => dns.ReadAsync("lb.shop.internal", CancellationToken.None));

        Assert.Equal(DnsFailure.Unreachable, ex.Failure);
        Assert.Contains("timed out", ex.Message);
    }
}
