namespace NodeAgent.Roles.Web.Releases;

/// <summary>
/// The complete release a new one may be built from (a delta release): its directory and the exact revision it holds.
/// Chosen by <see cref="ReleaseBases"/>; a checkout may still decline it and write everything.
/// </summary>
/// <param name="Id">The base release's id.</param>
/// <param name="Directory">Its directory.</param>
/// <param name="Revision">The exact revision it was built from: a full git commit id, or an svn revision number.</param>
public sealed record ReleaseBase(string Id, string Directory, string Revision);
