namespace NodeAgent.Roles.Web.Releases;

/// <summary>Keeps the newest <c>keep</c> releases plus, always, the current and the previous one.</summary>
public static class ReleaseRetention
{
    public static IReadOnlyList<ReleaseId> Apply(ReleaseLayout layout, int keep, string? previous)
    {
        var current = layout.Current()?.Value;
        var releases = layout.List();
        var newest = releases.TakeLast(keep).Select(r => r.Value).ToHashSet(StringComparer.Ordinal);
        var doomed = releases
            .Where(r => !newest.Contains(r.Value) && r.Value != current && r.Value != previous)
            .ToList();
        foreach (var release in doomed)
        {
            layout.Delete(release);
        }

        return doomed;
    }
}
