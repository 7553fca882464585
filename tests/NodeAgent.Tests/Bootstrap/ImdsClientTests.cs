using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Bootstrap;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Bootstrap;

public sealed class ImdsClientTests
{
    /// <summary>Scheduling slack for a loaded machine; the bound under test is TotalTimeout.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(2);

    /// <summary>Options for tests whose subject is not the timeout: generous, so a busy machine cannot fail them.</summary>
    private static ImdsOptions Generous(Uri endpoint) => new()
    {
        Endpoint = endpoint,
        RequestTimeout = TimeSpan.FromSeconds(10),
        TotalTimeout = TimeSpan.FromSeconds(30),
    };

    [Fact]
    public async Task Fetch_PutsForATokenThenGetsEverythingWithIt()
    {
        await using var imds = await ImdsStandIn.StartAsync();
        imds.UserData = "version: 1\n"u8.ToArray();
        imds.PublicIpv4 = "203.0.113.7";
        using var client = new ImdsClient(Generous(imds.Endpoint), NullLogger.Instance);

        var raw = await new ImdsUserDataSource(client, imds.Endpoint).FetchAsync(CancellationToken.None);

        Assert.Equal("version: 1\n"u8.ToArray(), raw.Bytes);
        Assert.Equal("i-0123456789abcdef0", raw.Metadata!.InstanceId);
        Assert.Equal("127.0.0.42", raw.Metadata.LocalIpv4!.ToString());
        Assert.Equal("203.0.113.7", raw.Metadata.PublicIpv4!.ToString());
        Assert.Equal("us-east-1a", raw.Metadata.AvailabilityZone);
        Assert.Equal(1, imds.TokenRequests);
        Assert.Equal("PUT /latest/api/token", imds.Requests.First());
        Assert.Equal(0, imds.Unauthorized);
    }

    [Fact]
    public async Task Fetch_WithoutPublicAddress_LeavesItEmpty()
    {
        await using var imds = await ImdsStandIn.StartAsync();
        imds.UserData = "x: 1"u8.ToArray();
        using var client = new ImdsClient(Generous(imds.Endpoint), NullLogger.Instance);

        var raw = await new ImdsUserDataSource(client, imds.Endpoint).FetchAsync(CancellationToken.None);

        Assert.Null(raw.Metadata!.PublicIpv4);
    }

    [Fact]
    public async Task Get_WhenTheTokenHasExpired_FetchesAFreshTokenOnceAndRetries()
    {
        await using var imds = await ImdsStandIn.StartAsync();
        using var client = new ImdsClient(Generous(imds.Endpoint), NullLogger.Instance);
        Assert.Equal("i-0123456789abcdef0", await client.GetAsync("latest/meta-data/instance-id", CancellationToken.None));

        imds.ExpireTokens();
        var zone = await client.GetAsync("latest/meta-data/placement/availability-zone", CancellationToken.None);

        Assert.Equal("us-east-1a", zone);
        Assert.Equal(2, imds.TokenRequests);
        Assert.Equal(1, imds.Unauthorized);
    }

    [Fact]
    public async Task Fetch_WithoutUserData_SaysTheInstanceHasNone()
    {
        await using var imds = await ImdsStandIn.StartAsync();
        using var client = new ImdsClient(Generous(imds.Endpoint), NullLogger.Instance);

        var ex = await Assert.ThrowsAsync<UserDataUnavailableException>(
            () => new ImdsUserDataSource(client, imds.Endpoint).FetchAsync(CancellationToken.None));

        Assert.Contains("has no user-data", ex.Message);
    }

    [Fact]
    public async Task Get_WhenImdsIsAbsent_GivesUpWithinTheBound()
    {
        var closedPort = LoopbackPorts.Free();
        var options = new ImdsOptions
        {
            Endpoint = new Uri($"http://127.0.0.1:{closedPort}/"),
            RequestTimeout = TimeSpan.FromMilliseconds(300),
            MaxAttempts = 3,
            TotalTimeout = TimeSpan.FromSeconds(2),
        };
        using var client = new ImdsClient(options, NullLogger.Instance);
        var clock = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<UserDataUnavailableException>(
            () => client.GetAsync("latest/meta-data/instance-id", CancellationToken.None));

        Assert.True(clock.Elapsed < options.TotalTimeout + Slack, $"gave up after {clock.Elapsed}");
        Assert.Contains("unreachable", ex.Message);
        Assert.Contains("3 attempts", ex.Message);
    }

    [Fact]
    public async Task Get_WhenImdsIsSlow_GivesUpWithinTheTotalBound()
    {
        await using var imds = await ImdsStandIn.StartAsync();
        imds.Delay = TimeSpan.FromSeconds(30);
        var options = new ImdsOptions
        {
            Endpoint = imds.Endpoint,
            RequestTimeout = TimeSpan.FromMilliseconds(400),
            MaxAttempts = 10,
            TotalTimeout = TimeSpan.FromSeconds(1.5),
        };
        using var client = new ImdsClient(options, NullLogger.Instance);
        var clock = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<UserDataUnavailableException>(
            () => client.GetAsync("latest/meta-data/instance-id", CancellationToken.None));

        Assert.True(clock.Elapsed < options.TotalTimeout + Slack, $"gave up after {clock.Elapsed}");
        Assert.True(imds.Requests.Count >= 2, "the request should have been retried at least once");
        Assert.Contains("did not answer", ex.Message);
    }
}
