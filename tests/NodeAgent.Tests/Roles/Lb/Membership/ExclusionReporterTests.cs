using Microsoft.Extensions.Logging;
using NodeAgent.Roles.Lb.Membership;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Lb.Membership;

public sealed class ExclusionReporterTests
{
    [Fact]
    public void Report_LogsEachObjectAndReasonOnce_AndAgainAfterItWasFineOrItsReasonChanged()
    {
        var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var reporter = new ExclusionReporter(factory.CreateLogger<ExclusionReporter>());
        var bad = new MembershipExclusion("c1/nodes/web/a.json", "malformed JSON: x");

        reporter.Report([bad]);
        reporter.Report([bad]);
        reporter.Report([bad with { Reason = "node_id is not a valid node id" }]);
        reporter.Report([]);
        reporter.Report([bad]);

        Assert.Equal(
            ["registry object c1/nodes/web/a.json ignored: malformed JSON: x", "registry object c1/nodes/web/a.json ignored: node_id is not a valid node id", "registry object c1/nodes/web/a.json ignored: malformed JSON: x"],
            logs.Messages(4136).Select(m => m["Membership: ".Length..]));
    }
}
