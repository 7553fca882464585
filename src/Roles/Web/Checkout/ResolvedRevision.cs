namespace NodeAgent.Roles.Web.Checkout;

/// <summary>An exact revision: a full git commit id, or an svn revision number written as <c>r1234</c>.</summary>
/// <param name="Requested">What was asked for (a ref, a commit, HEAD…).</param>
/// <param name="Id">The exact revision: 40 hex digits for git, the revision number for svn.</param>
/// <param name="Short">The form used in release ids: 12 hex digits for git, <c>r&lt;n&gt;</c> for svn.</param>
public sealed record ResolvedRevision(string Requested, string Id, string Short);
