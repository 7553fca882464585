using NodeAgent.Roles.Web.Releases;

namespace NodeAgent.Roles.Web.Checkout;

/// <summary>
/// Gets an app's code out of its repository: resolves a revision or ref to one exact revision, then writes that
/// revision's tree into an empty directory with no VCS metadata in it, every file read-only. Repository URL and
/// credentials come from the node's own config, never from a message.
/// </summary>
public interface ISourceCheckout
{
    /// <summary>Resolves <paramref name="revision"/> (null: the app's configured default ref) to an exact revision.
    /// Throws <see cref="RevisionNotFoundException"/> when it does not exist in the repository.</summary>
    Task<ResolvedRevision> ResolveAsync(string? revision, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the tree of <paramref name="revision"/> into <paramref name="directory"/> (which exists and is empty),
    /// leaving out the shared paths. With a base release it builds a delta — unchanged files hard-linked from the base,
    /// changed ones written — unless anything about the base is in doubt, in which case it writes everything and says
    /// why in <see cref="ReleaseBuild.FallbackReason"/>.
    /// </summary>
    Task<ReleaseBuild> ExportAsync(ResolvedRevision revision, string directory, ExportOptions options, CancellationToken cancellationToken);
}
