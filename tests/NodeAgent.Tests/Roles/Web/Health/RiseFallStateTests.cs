using NodeAgent.Registry;
using NodeAgent.Roles.Web.Health;

namespace NodeAgent.Tests.Roles.Web.Health;

public sealed class RiseFallStateTests
{
    [Fact]
    public void StartsStarting_AndNeedsRiseSuccessesInARowToBeHealthy()
    {
        var state = new RiseFallState(rise: 3, fall: 2);

        Assert.Equal(NodeHealth.Starting, state.State);
        Assert.False(state.Observe(true));
        Assert.False(state.Observe(true));
        Assert.True(state.Observe(true));
        Assert.Equal(NodeHealth.Healthy, state.State);
    }

    [Fact]
    public void AFailureResetsTheRise()
    {
        var state = new RiseFallState(rise: 2, fall: 3);

        state.Observe(true);
        state.Observe(false);
        state.Observe(true);

        Assert.Equal(NodeHealth.Starting, state.State);
        Assert.True(state.Observe(true));
    }

    [Fact]
    public void FallFailuresInARowMakeAHealthyNodeUnhealthy_AndRiseSuccessesBringItBack()
    {
        var state = new RiseFallState(rise: 2, fall: 2);
        state.Observe(true);
        state.Observe(true);

        Assert.False(state.Observe(false));
        Assert.Equal(NodeHealth.Healthy, state.State);
        Assert.True(state.Observe(false));
        Assert.Equal(NodeHealth.Unhealthy, state.State);
        Assert.False(state.Observe(true));
        Assert.True(state.Observe(true));
        Assert.Equal(NodeHealth.Healthy, state.State);
    }
}
