using System.Net;

namespace NodeAgent.Testing;

/// <summary>User-data files for agents under test that register in a test BIND (and, for lb nodes, fail over).</summary>
public static class DnsUserData
{
    public const string FastFailover = "{interval: 2s, fall: 2, min_hold: 4s, lease: 8s}";

    /// <summary>An lb node on its own loopback address: status endpoint and HTTP frontend there too, DNS in <paramref name="bind"/>.</summary>
    public static string Lb(LocalStack stack, string bucket, TempDir dir, string cluster, string nodeId, IPAddress address, int httpPort,
        BindServer bind, string failover = FastFailover, string dnsExtra = "")
    {
        var path = dir.Combine($"{nodeId}.yaml");
        File.WriteAllText(path, $$"""
            version: 1
            role: lb
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
            {{bind.DnsYaml(dnsExtra)}}
            lb:
              http_bind: {{address}}:{{httpPort}}
              allowed_cidrs: [127.0.0.0/8]
              backends: [{app: shop}]
              failover: {{failover}}
            """);
        return path;
    }
}
