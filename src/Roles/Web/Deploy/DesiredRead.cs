namespace NodeAgent.Roles.Web.Deploy;

/// <summary>
/// What reading <c>desired.json</c> found: nothing (never published), a usable record with its ETag, exact bytes and
/// signature, or the reason it is unusable (too large, malformed, failing its checks). <see cref="Sequence"/> is the
/// sequence the document claims when it could be read at all, so a rejection can still be reported under it.
/// </summary>
public sealed record DesiredRead(DesiredRelease? Desired, string? ETag, byte[]? Content, string? Signature, string? Problem, long? Sequence)
{
    public static readonly DesiredRead None = new(null, null, null, null, null, null);

    public bool Exists => Desired is not null || Problem is not null;
}
