using System.Net;
using System.Xml.Linq;
using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Configuration;
using NodeAgent.Dns;
using NodeAgent.Dns.Route53;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Dns;

/// <summary>The Route 53 provider against the loopback stand-in (request shape, SigV4, batch semantics, backoff).</summary>
[Collection(DnsCollection.Name)]
public sealed class Route53ProviderTests
{
    private const string Zone = "shop.internal";
    private static readonly XNamespace Ns = "https://route53.amazonaws.com/doc/2013-04-01/";
    private static readonly IPAddress A1 = IPAddress.Parse("10.0.0.1");
    private static readonly IPAddress A2 = IPAddress.Parse("10.0.0.2");

    private static Route53Provider Provider(Route53StandIn standIn, string secret = Route53StandIn.SecretKey, int attempts = 4, SecretValue? token = null)
    {
        var aws = new AwsSection
        {
            Region = "eu-west-1",
            Bucket = "unused",
            Credentials = new AwsCredentialsConfig { AccessKeyId = Route53StandIn.AccessKey, SecretAccessKey = SecretValue.Literal(secret), SessionToken = token },
            Retry = new RetryConfig { MaxAttempts = attempts, BaseDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(100) },
        };
        return new Route53Provider(Zone, new Route53Config { HostedZoneId = Route53StandIn.HostedZoneId, Endpoint = standIn.Endpoint },
            aws, TimeSpan.FromSeconds(5), TimeProvider.System, NullLogger<Route53Provider>.Instance);
    }

    [Fact]
    public async Task Read_ReturnsTheNamesAAndUnquotedTxtRecords_AndNothingOfItsNeighbours()
    {
        await using var standIn = await Route53StandIn.StartAsync(Zone);
        standIn.Put("lb.shop.internal", "A", 30, "10.0.0.1");
        standIn.Put("lb.shop.internal", "TXT", 30, "\"nodeagent-lease v=1 owner=lb1\"");
        standIn.Put("lb1.shop.internal", "A", 60, "10.0.0.7");
        standIn.Put("lb.shop.internal.other", "A", 60, "10.0.0.8");
        using var dns = Provider(standIn);

        var records = await dns.ReadAsync("lb.shop.internal", CancellationToken.None);

        Assert.Equal([A1], records.Addresses);
        Assert.Equal(["nodeagent-lease v=1 owner=lb1"], records.Texts);
        Assert.Equal(30, records.Ttl);
        var request = Assert.Single(standIn.Requests);
        Assert.Equal("GET", request.Method);
        Assert.Equal($"/2013-04-01/hostedzone/{Route53StandIn.HostedZoneId}/rrset", request.Path);
        Assert.Contains("name=lb.shop.internal.", request.Query);
    }

    [Fact]
    public async Task Claim_CreatesAAndTxtInOneSignedBatch_AndASecondClaimFailsItsPrecondition()
    {
        await using var standIn = await Route53StandIn.StartAsync(Zone);
        using var dns = Provider(standIn);

        var first = await dns.UpdateAsync(new DnsUpdate("lb.shop.internal", DnsPrecondition.Absent, DnsRecordSet.Of(A1, 30, "owner=a"), 30), CancellationToken.None);
        var second = await dns.UpdateAsync(new DnsUpdate("lb.shop.internal", DnsPrecondition.Absent, DnsRecordSet.Of(A2, 30, "owner=b"), 30), CancellationToken.None);

        Assert.Equal(DnsUpdateResult.Applied, first);
        Assert.Equal(DnsUpdateResult.PreconditionFailed, second);
        Assert.Equal(30, standIn.Get("lb.shop.internal", "A")!.Value.Ttl);
        Assert.Equal(["10.0.0.1"], standIn.Get("lb.shop.internal", "A")!.Value.Values);
        Assert.Equal(["\"owner=a\""], standIn.Get("lb.shop.internal", "TXT")!.Value.Values);
        Assert.Empty(standIn.ShapeErrors);
        var post = standIn.Requests.First();
        Assert.Equal("POST", post.Method);
        Assert.Equal($"/2013-04-01/hostedzone/{Route53StandIn.HostedZoneId}/rrset/", post.Path);
        Assert.StartsWith("application/xml", post.Headers["content-type"]);
        Assert.StartsWith($"AWS4-HMAC-SHA256 Credential={Route53StandIn.AccessKey}/", post.Headers["authorization"]);
        Assert.Contains("/us-east-1/route53/aws4_request, SignedHeaders=", post.Headers["authorization"]);
        Assert.Equal(["CREATE", "CREATE"], Actions(post.Body));
    }

    [Fact]
    public async Task CompareAndSwap_IsOneBatchOfDeleteExactOldAndCreateNew()
    {
        await using var standIn = await Route53StandIn.StartAsync(Zone);
        standIn.Put("lb.shop.internal", "A", 30, "10.0.0.1");
        standIn.Put("lb.shop.internal", "TXT", 30, "\"epoch=1\"");
        using var dns = Provider(standIn);
        var current = await dns.ReadAsync("lb.shop.internal", CancellationToken.None);

        var result = await dns.UpdateAsync(new DnsUpdate("lb.shop.internal", DnsPrecondition.Exactly(current), DnsRecordSet.Of(A2, 30, "epoch=2"), 30), CancellationToken.None);

        Assert.Equal(DnsUpdateResult.Applied, result);
        var batch = standIn.Requests.Last();
        Assert.Equal(["DELETE", "CREATE", "DELETE", "CREATE"], Actions(batch.Body));
        var delete = XDocument.Parse(batch.Body).Descendants(Ns + "Change").First();
        Assert.Equal("10.0.0.1", delete.Descendants(Ns + "Value").Single().Value);
        Assert.Equal("30", delete.Descendants(Ns + "TTL").Single().Value);
        Assert.Equal(["10.0.0.2"], standIn.Get("lb.shop.internal", "A")!.Value.Values);
        Assert.Equal(["\"epoch=2\""], standIn.Get("lb.shop.internal", "TXT")!.Value.Values);
    }

    [Fact]
    public async Task CompareAndSwap_FromStaleValues_FailsAsAWholeAndChangesNothing()
    {
        await using var standIn = await Route53StandIn.StartAsync(Zone);
        standIn.Put("lb.shop.internal", "A", 30, "10.0.0.1");
        standIn.Put("lb.shop.internal", "TXT", 30, "\"epoch=2\"");
        using var dns = Provider(standIn);

        var result = await dns.UpdateAsync(new DnsUpdate("lb.shop.internal",
            DnsPrecondition.Exactly(DnsRecordSet.Of(A1, 30, "epoch=1")), DnsRecordSet.Of(A2, 30, "epoch=3"), 30), CancellationToken.None);

        Assert.Equal(DnsUpdateResult.PreconditionFailed, result);
        Assert.Equal(["10.0.0.1"], standIn.Get("lb.shop.internal", "A")!.Value.Values);
        Assert.Equal(["\"epoch=2\""], standIn.Get("lb.shop.internal", "TXT")!.Value.Values);
    }

    [Fact]
    public async Task Register_Upserts_AndDeregister_DeletesOnlyTheExactRecord()
    {
        await using var standIn = await Route53StandIn.StartAsync(Zone);
        using var dns = Provider(standIn);

        await dns.UpdateAsync(new DnsUpdate("web-1.shop.internal", DnsPrecondition.None, DnsRecordSet.Of(A1, 60), 60), CancellationToken.None);
        await dns.UpdateAsync(new DnsUpdate("web-1.shop.internal", DnsPrecondition.None, DnsRecordSet.Of(A2, 60), 60), CancellationToken.None);
        var stale = await dns.UpdateAsync(new DnsUpdate("web-1.shop.internal", DnsPrecondition.Exactly(DnsRecordSet.Of(A1, 60)), DnsRecordSet.Empty, 60), CancellationToken.None);
        var own = await dns.UpdateAsync(new DnsUpdate("web-1.shop.internal", DnsPrecondition.Exactly(DnsRecordSet.Of(A2, 60)), DnsRecordSet.Empty, 60), CancellationToken.None);

        Assert.Equal(DnsUpdateResult.PreconditionFailed, stale);
        Assert.Equal(DnsUpdateResult.Applied, own);
        Assert.Null(standIn.Get("web-1.shop.internal", "A"));
        Assert.Contains(standIn.Requests, r => r.Method == "POST" && Actions(r.Body).SequenceEqual(["UPSERT"]));
        Assert.Empty(standIn.ShapeErrors);
    }

    [Theory]
    [InlineData("Throttling")]
    [InlineData("PriorRequestNotComplete")]
    public async Task Update_WhenRoute53Throttles_BacksOffAndRetriesUntilItApplies(string code)
    {
        await using var standIn = await Route53StandIn.StartAsync(Zone);
        standIn.FailNext(2, HttpStatusCode.BadRequest, code);
        using var dns = Provider(standIn, attempts: 4);

        var result = await dns.UpdateAsync(new DnsUpdate("lb.shop.internal", DnsPrecondition.Absent, DnsRecordSet.Of(A1, 30), 30), CancellationToken.None);

        Assert.Equal(DnsUpdateResult.Applied, result);
        Assert.Equal(3, standIn.Requests.Count);
        Assert.Equal(["10.0.0.1"], standIn.Get("lb.shop.internal", "A")!.Value.Values);
    }

    [Fact]
    public async Task Update_WhenThrottlingOutlastsTheRetries_FailsAsThrottled()
    {
        await using var standIn = await Route53StandIn.StartAsync(Zone);
        standIn.FailNext(5, HttpStatusCode.BadRequest, "PriorRequestNotComplete");
        using var dns = Provider(standIn, attempts: 3);

        var ex = await Assert.ThrowsAsync<DnsProviderException>(() =>
            dns.UpdateAsync(new DnsUpdate("lb.shop.internal", DnsPrecondition.Absent, DnsRecordSet.Of(A1, 30), 30), CancellationToken.None));

        Assert.Equal(DnsFailure.Throttled, ex.Failure);
        Assert.True(ex.Transient);
        Assert.Equal(3, standIn.Requests.Count);
        Assert.Contains("PriorRequestNotComplete", ex.Message);
    }

    [Fact]
    public async Task Requests_SignedWithAWrongSecret_AreRejectedByTheSignatureCheck()
    {
        await using var standIn = await Route53StandIn.StartAsync(Zone);
        using var dns = Provider(standIn, secret: "not-the-secret");

        var ex = await Assert.ThrowsAsync<DnsProviderException>(() => dns.ReadAsync("lb.shop.internal", CancellationToken.None));

        Assert.Equal(DnsFailure.Authentication, ex.Failure);
        Assert.Contains("SignatureDoesNotMatch", ex.Message);
    }

    [Fact]
    public async Task Requests_WithASessionToken_SignTheSecurityTokenHeader()
    {
        await using var standIn = await Route53StandIn.StartAsync(Zone);
        using var dns = Provider(standIn, token: SecretValue.Literal("session-token-1"));

        await dns.ReadAsync("lb.shop.internal", CancellationToken.None);

        var request = Assert.Single(standIn.Requests);
        Assert.Equal("session-token-1", request.Headers["x-amz-security-token"]);
        Assert.Contains("x-amz-security-token", request.Headers["authorization"]);
    }

    private static string[] Actions(string body)
        => XDocument.Parse(body).Descendants(Ns + "Action").Select(a => a.Value).ToArray();
}
