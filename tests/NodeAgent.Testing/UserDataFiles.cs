using System.Net;

namespace NodeAgent.Testing;

/// <summary>Writes user-data files for agents under test, pointing at a local stack.</summary>
public static class UserDataFiles
{
    /// <summary>A minimal web node on its own loopback address, with its status endpoint there too.</summary>
    public static string Web(LocalStack stack, string bucket, TempDir dir, string cluster, string nodeId, IPAddress address, string extra = "")
    {
        var path = dir.Combine($"{nodeId}.yaml");
        File.WriteAllText(path, $$"""
            version: 1
            role: web
            cluster: {{cluster}}
            node:
              id: {{nodeId}}
              instance_id: i-{{nodeId}}
              address: {{address}}
              state_dir: {{dir.Combine(nodeId, "state")}}
              shutdown_timeout: 3s
            {{stack.AwsYaml(bucket)}}
            status: {listen: "{{address}}:9780"}
            queue: {wait_time: 1s}
            web:
              root: {{dir.Combine(nodeId, "srv")}}
              apps:
                - name: shop
                  repository: {type: git, url: {{dir.Combine("repos", "shop.git")}}}
            {{extra}}
            """);
        return path;
    }
}
