namespace NodeAgent.Roles.Web.Checkout;

/// <summary>
/// Gets an app's code out of its repository: resolves a revision or ref to one exact revision, then writes that
/// revision's tree into an empty directory with no VCS metadata in it. Repository URL and credentials come from the
/// node's own config, never from a message.
/// </summary>
public interface ISourceCheckout
{
    /// <summary>Resolves <paramref name="revision"/> (null: the app's configured default ref) to an exact revision.
    /// Throws <see cref="RevisionNotFoundException"/> when it does not exist in the repository.</summary>
    Task<ResolvedRevision> ResolveAsync(string? revision, CancellationToken cancellationToken);

    /// <summary>Writes the tree of <paramref name="revision"/> into <paramref name="directory"/> (which exists and is empty).</summary>
    Task ExportAsync(ResolvedRevision revision, string directory, CancellationToken cancellationToken);
}
