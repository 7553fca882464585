using Microsoft.Extensions.Logging;

namespace NodeAgent.Roles.Lb.Membership;

/// <summary>
/// Logs each registry object that will not become a server, once per object and reason (event 4136): again only after
/// it was fine for a listing or its reason changed. Used inside the <see cref="MembershipGate"/>.
/// </summary>
public sealed class ExclusionReporter(ILogger<ExclusionReporter> logger)
{
    private readonly HashSet<MembershipExclusion> _reported = [];

    public void Report(IReadOnlyList<MembershipExclusion> excluded)
    {
        foreach (var exclusion in excluded)
        {
            if (_reported.Add(exclusion))
            {
                MembershipLog.Excluded(logger, exclusion.Key, exclusion.Reason);
            }
        }

        _reported.IntersectWith(excluded);
    }
}
