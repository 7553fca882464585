namespace NodeAgent.Registry;

/// <summary>Where registry objects live in the bucket.</summary>
public static class RegistryKeys
{
    public static string Nodes(string cluster) => $"{cluster}/nodes/";

    public static string Role(string cluster, string role) => $"{cluster}/nodes/{role}/";

    public static string Node(string cluster, string role, string nodeId) => $"{cluster}/nodes/{role}/{nodeId}.json";
}
