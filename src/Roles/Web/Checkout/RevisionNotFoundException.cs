namespace NodeAgent.Roles.Web.Checkout;

/// <summary>The requested revision or ref does not exist in the app's repository: a retry cannot fix it.</summary>
public sealed class RevisionNotFoundException(string app, string revision, string detail)
    : Exception($"revision '{revision}' does not exist in the repository of app '{app}': {detail}")
{
    public string App { get; } = app;

    public string Revision { get; } = revision;
}
