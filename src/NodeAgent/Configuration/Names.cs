using System.Text.RegularExpressions;

namespace NodeAgent.Configuration;

/// <summary>
/// The shapes of the names that end up in S3 keys, queue names, DNS labels and paths. Keeping them this narrow is
/// what makes path traversal and key injection impossible further down.
/// </summary>
public static partial class Names
{
    /// <summary>Cluster: lower-case DNS label, 2–40 characters.</summary>
    [GeneratedRegex("^[a-z][a-z0-9-]{0,38}[a-z0-9]$")]
    public static partial Regex Cluster();

    public const string ClusterHint = "a lower-case name of 2-40 letters, digits and '-' (e.g. 'shop-prod')";

    /// <summary>App: lower-case, starts with a letter or digit, 1–63 characters of letters, digits, '-' and '_'.</summary>
    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,62}$")]
    public static partial Regex App();

    public const string AppHint = "a lower-case name of 1-63 letters, digits, '-' and '_' (e.g. 'shop')";

    /// <summary>Node id: letters, digits, '.', '_' and '-', 1–64 characters, not starting with '.'.</summary>
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    public static partial Regex NodeId();

    public const string NodeIdHint = "1-64 letters, digits, '.', '_' or '-', not starting with '.' (e.g. 'i-0abc123' or 'web-1')";

    /// <summary>S3 bucket name rules (the subset valid everywhere).</summary>
    [GeneratedRegex(@"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    public static partial Regex Bucket();

    public const string BucketHint = "an S3 bucket name: 3-63 lower-case letters, digits, '.' and '-'";

    [GeneratedRegex(@"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")]
    public static partial Regex Region();

    public const string RegionHint = "an AWS region such as us-east-1";

    /// <summary>A DNS zone, written with or without the trailing dot.</summary>
    [GeneratedRegex(@"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.?$")]
    public static partial Regex DnsName();

    public const string DnsNameHint = "a lower-case DNS name such as example.internal";

    /// <summary>A relative path inside a release: no leading '/', no '..' segment, no empty segment.</summary>
    [GeneratedRegex(@"^(?!.*(^|/)\.\.?(/|$))[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")]
    public static partial Regex RelativePath();

    public const string RelativePathHint = "a relative path without '..' (e.g. 'storage/logs')";

    /// <summary>A role's name as it appears in user-data, registry keys and messages: a short lower-case label.</summary>
    [GeneratedRegex(@"^[a-z][a-z0-9-]{0,30}$")]
    public static partial Regex Role();

    public static bool IsNodeId(string? value) => value is not null && NodeId().IsMatch(value) && !value.Contains("..");
}
