using System.Text.RegularExpressions;
using NodeAgent.Configuration;
using NodeAgent.Roles.Web.Configuration;

namespace NodeAgent.Roles.Web.Checkout;

/// <summary>
/// What a revision named in a message or desired record may look like. Narrow on purpose: it ends up in ref lookups
/// and svn arguments, so nothing path-like (<c>..</c>, a leading <c>/</c> or <c>-</c>), no whitespace, no control
/// characters.
/// </summary>
public static partial class RevisionSyntax
{
    public const int MaxLength = 200;

    /// <summary>Returns null when <paramref name="revision"/> is acceptable for <paramref name="kind"/>, else why not.</summary>
    public static string? Check(RepositoryKind kind, string revision)
    {
        if (revision.Length is 0 or > MaxLength)
        {
            return $"revision must be 1-{MaxLength} characters";
        }

        if (kind == RepositoryKind.Svn)
        {
            return SvnRevision().IsMatch(revision) ? null : "an svn revision must be HEAD or a revision number";
        }

        if (!GitRef().IsMatch(revision))
        {
            return "a git revision must be a commit id or a ref name of letters, digits, '.', '_', '-' and '/'";
        }

        if (revision.StartsWith('/') || revision.EndsWith('/') || revision.StartsWith('-') || revision.Contains("//")
            || revision.Contains("..") || revision.EndsWith(".lock", StringComparison.Ordinal) || revision.EndsWith('.')
            || revision.Split('/').Any(part => part.StartsWith('.')))
        {
            return "a git ref must not contain '..', '//', a component starting with '.', or start with '/' or '-'";
        }

        return null;
    }

    /// <summary>A full or abbreviated (at least 7 digits) commit id.</summary>
    public static bool IsCommitId(string revision) => CommitId().IsMatch(revision);

    [GeneratedRegex(@"\A[A-Za-z0-9._/-]+\z")]
    private static partial Regex GitRef();

    [GeneratedRegex(@"\A[0-9a-f]{7,40}\z")]
    private static partial Regex CommitId();

    [GeneratedRegex(@"\A(HEAD|[1-9][0-9]{0,9}|0)\z")]
    private static partial Regex SvnRevision();
}
