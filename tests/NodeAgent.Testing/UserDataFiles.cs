using System.Net;

namespace NodeAgent.Testing;

/// <summary>Writes user-data files for agents under test, pointing at a local stack.</summary>
public static class UserDataFiles
{
    /// <summary>A minimal web node on its own loopback address, with its status endpoint there too.</summary>
    public static string Web(LocalStack stack, string bucket, TempDir dir, string cluster, string nodeId, IPAddress address, string extra = "")
        => new NodeUserData
        {
            Role = "web",
            Cluster = cluster,
            NodeId = nodeId,
            Address = address,
            StateDir = dir.Combine(nodeId, "state"),
            ShutdownTimeout = "3s",
            Aws = stack.AwsYaml(bucket),
        }.Write(dir.Combine($"{nodeId}.yaml"), $$"""
            web:
              {{TestKeys.PublishKeyYaml}}
              root: {{dir.Combine(nodeId, "srv")}}
              apps:
                - name: shop
                  repository: {type: git, url: {{dir.Combine("repos", "shop.git")}}}
            {{extra}}
            """);
}
