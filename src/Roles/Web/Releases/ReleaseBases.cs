using NodeAgent.Roles.Web.Configuration;

namespace NodeAgent.Roles.Web.Releases;

/// <summary>
/// Picks the release a new one is built from (a delta release), or says why there is none and everything is written:
/// <c>release_mode: full</c>; a build hook (it may rewrite any file in place, which through a hard link would change
/// the live release too); no current release; a current release that is incomplete, has no source record, came from
/// another repository, or whose files are not its revision's bytes (converted by checkout filters, rewritten by a
/// build hook).
/// </summary>
public static class ReleaseBases
{
    public static (ReleaseBase? Base, string? WhyNot) Choose(ReleaseLayout layout, AppConfig app)
    {
        if (app.ReleaseMode == ReleaseMode.Full)
        {
            return (null, "release_mode is full");
        }

        if (app.BuildHook is not null)
        {
            return (null, "the app has a build hook, which may rewrite files in place");
        }

        if (layout.Current() is not { } current)
        {
            return (null, "there is no current release");
        }

        if (File.Exists(layout.PartialMarker(current.Value)))
        {
            return (null, $"the current release {current} is incomplete");
        }

        var source = ReleaseSource.Read(layout, current.Value);
        return source switch
        {
            null => (null, $"the current release {current} has no source record"),
            _ when source.Repository != ReleaseSource.RepositoryId(app.Repository) => (null, $"the current release {current} came from another repository"),
            { Filtered: true } => (null, $"the current release {current} was written through checkout filters"),
            { Built: true } => (null, $"the current release {current} was changed by a build hook"),
            _ when !Matches(current, source.Revision) => (null, $"the source record of {current} names revision {source.Revision}"),
            _ => (new ReleaseBase(current.Value, layout.ReleaseDir(current.Value), source.Revision), null),
        };
    }

    /// <summary>The release id's revision part is the commit's first 12 hex digits, or <c>r&lt;n&gt;</c> for svn.</summary>
    private static bool Matches(ReleaseId id, string revision)
        => id.Revision.StartsWith('r') ? id.Revision == "r" + revision : revision.StartsWith(id.Revision, StringComparison.Ordinal);
}
