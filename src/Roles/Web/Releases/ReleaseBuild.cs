namespace NodeAgent.Roles.Web.Releases;

/// <summary>How a release was built, as the checkout reports it.</summary>
public enum ReleaseBuildMode
{
    /// <summary>Every file written.</summary>
    Full,

    /// <summary>Unchanged files linked from the base release, changed ones written.</summary>
    Delta,
}

/// <summary>
/// What a checkout did to build a release directory, and what must be made durable before it counts as complete.
/// A full build is flushed with one <c>syncfs(2)</c> of the file system; a delta build fsyncs exactly the files it
/// wrote and every directory of the release (the links live in those directories).
/// </summary>
/// <param name="Mode">Full or delta.</param>
/// <param name="Written">Files (and symlinks) written.</param>
/// <param name="Linked">Files hard-linked from the base release.</param>
/// <param name="FallbackReason">Why a delta was asked for but the release was written in full; null otherwise.</param>
/// <param name="NewFiles">Delta only: the regular files written, to fsync.</param>
/// <param name="Directories">Delta only: every directory of the release, the release itself included, to fsync.</param>
public sealed record ReleaseBuild(
    ReleaseBuildMode Mode,
    int Written,
    int Linked,
    string? FallbackReason,
    IReadOnlyList<string> NewFiles,
    IReadOnlyList<string> Directories)
{
    /// <summary>True when checkout filters (<c>.gitattributes</c>, <c>core.autocrlf</c>) may have converted files, so
    /// they need not equal their blobs: such a release is never a delta base.</summary>
    public bool Filtered { get; init; }

    public static ReleaseBuild Full(int written, string? fallbackReason) => new(ReleaseBuildMode.Full, written, 0, fallbackReason, [], []);
}
