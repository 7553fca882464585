using NodeAgent.Configuration;
using NodeAgent.Roles.Web.Checkout;

namespace NodeAgent.Roles.Web.Deploy;

/// <summary>
/// <c>&lt;cluster&gt;/apps/&lt;app&gt;/desired.json</c>: the release every node serving the app converges to. The
/// sequence only ever grows; a node never goes back to a lower one.
/// </summary>
public sealed record DesiredRelease
{
    public const int CurrentSchema = 1;

    public int Schema { get; init; } = CurrentSchema;

    public required string Cluster { get; init; }

    public required string App { get; init; }

    public required long Sequence { get; init; }

    /// <summary>A commit id, branch, tag or svn revision; null means each node's configured default ref.</summary>
    public string? Revision { get; init; }

    public required DateTimeOffset PublishedAt { get; init; }

    public string? PublishedBy { get; init; }

    /// <summary>Unique per publish: tells two publishers that raced on one sequence apart.</summary>
    public required string Nonce { get; init; }

    /// <summary>Checks a record read from <c>desired.json</c> of <paramref name="app"/>; null when usable, else why not.</summary>
    public string? Check(string cluster, string app) => this switch
    {
        { Schema: not CurrentSchema } => $"schema {Schema} is not {CurrentSchema}",
        _ when Cluster != cluster => $"cluster '{Cluster}' does not match '{cluster}'",
        _ when App != app => $"app '{App}' does not match the key's app '{app}'",
        _ when !Names.App().IsMatch(App) => "app is not a valid app name",
        { Sequence: < 1 } => "sequence must be at least 1",
        { Revision: { } r } when r.Length is 0 or > RevisionSyntax.MaxLength || r.Any(char.IsControl) => "revision is not a short printable string",
        _ => null,
    };
}
