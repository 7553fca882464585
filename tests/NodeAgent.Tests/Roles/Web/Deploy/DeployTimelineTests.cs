using Microsoft.Extensions.Time.Testing;
using NodeAgent.Roles.Web.Deploy;

namespace NodeAgent.Tests.Roles.Web.Deploy;

public sealed class DeployTimelineTests
{
    [Fact]
    public void Each_stage_counts_the_time_since_the_previous_mark_and_the_total_counts_from_the_start()
    {
        var time = new FakeTimeProvider();
        var timeline = new DeployTimeline(time);

        time.Advance(TimeSpan.FromMilliseconds(12));
        timeline.Mark("desired");
        time.Advance(TimeSpan.FromMilliseconds(250));
        timeline.Mark("checkout");
        time.Advance(TimeSpan.FromMilliseconds(3));
        timeline.Mark("switch");
        time.Advance(TimeSpan.FromMilliseconds(5));

        Assert.Equal(["desired", "checkout", "switch"], timeline.Stages.Select(s => s.Stage));
        Assert.Equal([12.0, 250.0, 3.0], timeline.Stages.Select(s => s.Ms));
        Assert.Equal(270.0, timeline.TotalMs);
        Assert.Equal("desired 12, checkout 250, switch 3", timeline.ToString());
    }
}
