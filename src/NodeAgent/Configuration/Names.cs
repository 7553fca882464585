using System.Text.RegularExpressions;

namespace NodeAgent.Configuration;

/// <summary>
/// The shapes of the names that end up in S3 keys, queue names, DNS labels, generated files and paths: the one set of
/// name validators used by config, registry, messages, desired state and the renderers. Keeping them this narrow is
/// what makes path traversal, key injection and config injection impossible further down.
/// </summary>
/// <remarks>
/// Every pattern is anchored with <c>\A…\z</c> (never <c>^…$</c>: in .NET <c>$</c> also matches before a final
/// <c>\n</c>, so <c>"shop\n"</c> would pass) and uses ASCII classes only (never <c>\d</c> or <c>\w</c>, which match
/// any Unicode digit or letter). <c>NameRulesTests</c> checks both for every public pattern of this class.
/// </remarks>
public static partial class Names
{
    /// <summary>Cluster: lower-case DNS label, 2–40 characters.</summary>
    [GeneratedRegex(@"\A[a-z][a-z0-9-]{0,38}[a-z0-9]\z")]
    public static partial Regex Cluster();

    public const string ClusterHint = "a lower-case name of 2-40 letters, digits and '-' (e.g. 'shop-prod')";

    /// <summary>App: lower-case, starts with a letter or digit, 1–63 characters of letters, digits, '-' and '_'.</summary>
    [GeneratedRegex(@"\A[a-z0-9][a-z0-9_-]{0,62}\z")]
    public static partial Regex App();

    public const string AppHint = "a lower-case name of 1-63 letters, digits, '-' and '_' (e.g. 'shop')";

    /// <summary>Node id: letters, digits, '.', '_' and '-', 1–64 characters, not starting with '.', no '..'.</summary>
    [GeneratedRegex(@"\A(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._-]{0,63}\z")]
    public static partial Regex NodeId();

    public const string NodeIdHint = "1-64 letters, digits, '.', '_' or '-', not starting with '.' and without '..' (e.g. 'i-0abc123' or 'web-1')";

    /// <summary>S3 bucket name rules (the subset valid everywhere): no '..'.</summary>
    [GeneratedRegex(@"\A(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\z")]
    public static partial Regex Bucket();

    public const string BucketHint = "an S3 bucket name: 3-63 lower-case letters, digits, '.' and '-'";

    [GeneratedRegex(@"\A[a-z]{2}(-[a-z]+)+-[0-9]{1,2}\z")]
    public static partial Regex Region();

    public const string RegionHint = "an AWS region such as us-east-1";

    /// <summary>A DNS zone or host name, written with or without the trailing dot, at most 253 characters.</summary>
    [GeneratedRegex(@"\A(?=.{1,254}\z)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.?\z")]
    public static partial Regex DnsName();

    public const string DnsNameHint = "a lower-case DNS name such as example.internal";

    /// <summary>One DNS label: 1–63 lower-case letters, digits and '-', not starting or ending with '-'.</summary>
    [GeneratedRegex(@"\A[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\z")]
    public static partial Regex DnsLabel();

    /// <summary>A relative path inside a release: no leading '/', no '.' or '..' segment, no empty segment.</summary>
    [GeneratedRegex(@"\A(?!(?:.*/)?\.\.?(?:/|\z))[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*\z")]
    public static partial Regex RelativePath();

    public const string RelativePathHint = "a relative path without '..' (e.g. 'storage/logs')";

    /// <summary>A role's name as it appears in user-data, registry keys and messages: a short lower-case label.</summary>
    [GeneratedRegex(@"\A[a-z][a-z0-9-]{0,30}\z")]
    public static partial Regex Role();

    /// <summary>An environment variable name.</summary>
    [GeneratedRegex(@"\A[A-Za-z_][A-Za-z0-9_]{0,127}\z")]
    public static partial Regex EnvName();

    public const string EnvNameHint = "an environment variable name (letters, digits and '_', not starting with a digit)";

    /// <summary>An HTTP cookie name as HAProxy writes it.</summary>
    [GeneratedRegex(@"\A[A-Za-z0-9_-]{1,64}\z")]
    public static partial Regex Cookie();

    public const string CookieHint = "a cookie name of letters, digits, '_' and '-'";

    /// <summary>
    /// An absolute URL path and query of RFC 3986 characters, without quotes, backslashes, spaces or '#': it is written
    /// into HAProxy configuration and HTTP request lines, where those would need escaping.
    /// </summary>
    [GeneratedRegex(@"\A/[A-Za-z0-9._~!$&()*+,;=:@%/?-]{0,1023}\z")]
    public static partial Regex HttpPath();

    public const string HttpPathHint = "an absolute URL path such as /healthz (letters, digits and -._~!$&()*+,;=:@%/?)";

    public static bool IsNodeId(string? value) => value is not null && NodeId().IsMatch(value);

    public static bool IsApp(string? value) => value is not null && App().IsMatch(value);

    public static bool IsCluster(string? value) => value is not null && Cluster().IsMatch(value);

    public static bool IsDnsName(string? value) => value is not null && DnsName().IsMatch(value);

    /// <summary>True when <paramref name="pattern"/> matches the whole of <paramref name="value"/>, whatever anchors the
    /// pattern was written with: a role's own <c>^…$</c> pattern cannot let a trailing newline through.</summary>
    public static bool IsWholeMatch(Regex pattern, string value)
    {
        var match = pattern.Match(value);
        return match.Success && match.Index == 0 && match.Length == value.Length;
    }
}
