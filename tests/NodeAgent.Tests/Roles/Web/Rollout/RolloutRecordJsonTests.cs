using NodeAgent.Roles.Web.Deploy;
using NodeAgent.Roles.Web.Rollout;

namespace NodeAgent.Tests.Roles.Web.Rollout;

/// <summary>
/// The rollout records go through the deploy documents' source-generated JSON (the installed agent is NativeAOT and has
/// no reflection-based serialiser): a record type missing from the context fails every lb round, as it once did.
/// </summary>
public sealed class RolloutRecordJsonTests
{
    [Fact]
    public void Progress_RoundTripsThroughTheDeployJsonContext()
    {
        var progress = new RolloutProgress
        {
            Cluster = "shop",
            App = "web",
            Sequence = 42,
            Plan = "abc123",
            Epoch = 3,
            Advancer = "lb-1",
            State = "in_progress",
            StartedAt = DateTimeOffset.UnixEpoch,
            UpdatedAt = DateTimeOffset.UnixEpoch,
            Batches = [new BatchProgress { Index = 1, Nodes = ["web-1", "web-2"], Gates = [new GateResult { Name = "error_rate", Measured = "0.5%", Threshold = "< 1%", Ok = true }] }],
        };

        var (back, error) = DeployJson.Parse<RolloutProgress>(DeployJson.Serialize(progress));

        Assert.Null(error);
        Assert.Equal(42, back!.Sequence);
        Assert.Equal(["web-1", "web-2"], back.Batches[0].Nodes);
        Assert.Equal("error_rate", back.Batches[0].Gates[0].Name);
    }

    [Fact]
    public void Control_RoundTripsThroughTheDeployJsonContext()
    {
        var control = new RolloutControl { Cluster = "shop", App = "web", Sequence = 42, Action = "pause", At = DateTimeOffset.UnixEpoch };

        var (back, error) = DeployJson.Parse<RolloutControl>(DeployJson.Serialize(control));

        Assert.Null(error);
        Assert.Equal(control, back);
    }
}
