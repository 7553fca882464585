namespace NodeAgent.Roles.Web.Deploy;

/// <summary>Where deploy objects live in the bucket.</summary>
public static class DeployKeys
{
    /// <summary>The app's desired release: the truth every node converges to.</summary>
    public static string Desired(string cluster, string app) => $"{cluster}/apps/{app}/desired.json";

    /// <summary>The publish record of one sequence; created with If-None-Match, it is also the sequence's claim.</summary>
    public static string Deployment(string cluster, long sequence) => $"{cluster}/deployments/{sequence}.json";

    /// <summary>Highest sequence handed out so far (a hint: the claims are the authority).</summary>
    public static string SequenceHint(string cluster) => $"{cluster}/deployments/sequence.json";

    public static string Statuses(string cluster, long sequence) => $"{cluster}/deployments/{sequence}/";

    public static string Status(string cluster, long sequence, string nodeId) => $"{cluster}/deployments/{sequence}/{nodeId}.json";
}
