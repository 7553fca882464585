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
        _ when Cluster != cluster => $"cluster '{SafeText.Escape(Cluster)}' does not match '{cluster}'",
        _ when App != app => $"app '{SafeText.Escape(App)}' does not match the key's app '{app}'",
        _ when !Names.IsApp(App) => "app is not a valid app name",
        { Sequence: < 1 } => "sequence must be at least 1",
        { Sequence: > DesiredSequence.Max } => $"sequence {Sequence} is past the maximum {DesiredSequence.Max}",
        { Revision: { } r } when r.Length is 0 or > RevisionSyntax.MaxLength || !SafeText.IsPrintableAscii(r) => "revision is not a short printable string",
        { PublishedBy: { } by } when by.Length > 200 || !SafeText.IsSafe(by) => "published_by is not a short line of text",
        _ when Nonce is null || Nonce.Length is 0 or > 64 || !Nonce.All(char.IsAsciiLetterOrDigit) => "nonce is not a short token",
        _ => null,
    };
}
