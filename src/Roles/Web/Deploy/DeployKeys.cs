namespace NodeAgent.Roles.Web.Deploy;

/// <summary>Where deploy objects live in the bucket.</summary>
public static class DeployKeys
{
    /// <summary>The app's desired release: the truth every node converges to.</summary>
    public static string Desired(string cluster, string app) => $"{cluster}/apps/{app}/desired.json";

    /// <summary>The publish record of one sequence; created with If-None-Match, it is also the sequence's claim.</summary>
    public static string Deployment(string cluster, long sequence) => $"{cluster}/deployments/{sequence}.json";

    /// <summary>The publish records (claims) of a cluster, one <c>&lt;seq&gt;.json</c> each.</summary>
    public static string Deployments(string cluster) => $"{cluster}/deployments/";

    /// <summary>The sequence of a claim key (<c>&lt;cluster&gt;/deployments/&lt;seq&gt;.json</c>); null for any other key.</summary>
    public static long? SequenceOfClaim(string cluster, string key)
    {
        var prefix = Deployments(cluster);
        if (!key.StartsWith(prefix, StringComparison.Ordinal) || !key.EndsWith(".json", StringComparison.Ordinal))
        {
            return null;
        }

        var digits = key[prefix.Length..^".json".Length];
        return digits.Length is > 0 and <= 16 && digits.All(char.IsAsciiDigit) && digits[0] != '0'
            && long.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    /// <summary>Highest sequence handed out so far (a hint: the claims are the authority).</summary>
    public static string SequenceHint(string cluster) => $"{cluster}/deployments/sequence.json";

    public static string Statuses(string cluster, long sequence) => $"{cluster}/deployments/{sequence}/";

    public static string Status(string cluster, long sequence, string nodeId) => $"{cluster}/deployments/{sequence}/{nodeId}.json";
}
