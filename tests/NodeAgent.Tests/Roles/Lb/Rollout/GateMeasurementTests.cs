using NodeAgent.Roles.Lb.Haproxy;
using NodeAgent.Roles.Lb.Rollout;
using NodeAgent.Roles.Web.Rollout;

namespace NodeAgent.Tests.Roles.Lb.Rollout;

public sealed class GateMeasurementTests
{
    private static ServerStats Stats(string server, long responses, long errors5xx, long rtime, string status = "UP")
        => new("be_shop", server, status, "L7OK", responses, errors5xx, 0, 0, rtime, responses);

    [Fact]
    public void From_CountsOnlyWhatHappenedSinceTheBaseline()
    {
        var baseline = new[] { Stats("web-1", 1000, 10, 5), Stats("web-2", 1000, 0, 5) }.ToDictionary(s => s.Server);

        var m = GateMeasurement.From(["web-1"], [Stats("web-1", 1100, 40, 50), Stats("web-2", 1200, 0, 5)], baseline);

        Assert.Equal(100, m.BatchResponses);
        Assert.Equal(30, m.BatchErrors);
        Assert.Equal(50, m.BatchResponseTimeMs);
        Assert.Equal(200, m.RestResponses);
        Assert.Equal(0, m.RestErrors);
        Assert.Equal(5, m.RestResponseTimeMs);
    }

    [Fact]
    public void From_AServerAddedAgainSinceTheBaseline_CountsFromZero()
    {
        var baseline = new[] { Stats("web-1", 1000, 0, 5) }.ToDictionary(s => s.Server);

        var m = GateMeasurement.From(["web-1"], [Stats("web-1", 30, 3, 5)], baseline);

        Assert.Equal(30, m.BatchResponses);
        Assert.Equal(3, m.BatchErrors);
    }

    [Fact]
    public void ProgressCheck_RefusesRecordsThatDoNotFitThePlan()
    {
        var plan = new RolloutPlan { Strategy = "rolling", Batches = [["web-1"], ["web-2"]], BatchTimeoutMs = 60_000, Gates = new RolloutGates() };
        var ok = new RolloutProgress
        {
            Cluster = "demo", App = "shop", Sequence = 5, Plan = "sha256:a", Epoch = 2, Advancer = "lb-1", State = RolloutStates.Running, Released = 1,
            StartedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch,
        };

        Assert.Null(ok.Check("demo", "shop", 5, "sha256:a", plan));
        Assert.Contains("another plan", ok.Check("demo", "shop", 5, "sha256:b", plan), StringComparison.Ordinal);
        Assert.Contains("sequence", ok.Check("demo", "shop", 6, "sha256:a", plan), StringComparison.Ordinal);
        Assert.Contains("released 3", (ok with { Released = 3 }).Check("demo", "shop", 5, "sha256:a", plan), StringComparison.Ordinal);
        Assert.Contains("succeeded before", (ok with { State = RolloutStates.Succeeded }).Check("demo", "shop", 5, "sha256:a", plan), StringComparison.Ordinal);
        Assert.Contains("revert", (ok with { Revert = true }).Check("demo", "shop", 5, "sha256:a", plan), StringComparison.Ordinal);
        Assert.Contains("unknown", (ok with { State = "yolo" }).Check("demo", "shop", 5, "sha256:a", plan), StringComparison.Ordinal);
        Assert.Contains("advancer", (ok with { Advancer = "../x" }).Check("demo", "shop", 5, "sha256:a", plan), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"app\":\"shop\",\"sequence\":3}", null)]
    [InlineData("{\"app\":\"../x\",\"sequence\":3}", "valid app name")]
    [InlineData("{\"app\":\"shop\",\"sequence\":0}", "sequence")]
    [InlineData("{\"app\":\"shop\",\"sequence\":3,\"revision\":\"x\"}", "unexpected")]
    [InlineData("[1]", "not a JSON object")]
    [InlineData("{", "not valid JSON")]
    public void RolloutMessage_Parse_RefusesHostileBodies(string body, string? fragment)
    {
        var (message, error) = RolloutMessage.Parse(body);

        if (fragment is null)
        {
            Assert.Equal(new RolloutMessage("shop", 3), message);
        }
        else
        {
            Assert.Null(message);
            Assert.Contains(fragment, error, StringComparison.Ordinal);
        }
    }
}
