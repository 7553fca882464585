using System.Net;

namespace NodeAgent.Testing;

/// <summary>User-data files for agents under test that register in a test BIND (and, for lb nodes, fail over).</summary>
public static class DnsUserData
{
    public const string FastFailover = "{interval: 2s, fall: 2, min_hold: 4s, lease: 8s}";

    /// <summary>An lb node on its own loopback address: status endpoint and HTTP frontend there too, DNS in <paramref name="bind"/>.</summary>
    public static string Lb(LocalStack stack, string bucket, TempDir dir, string cluster, string nodeId, IPAddress address, int httpPort,
        BindServer bind, string failover = FastFailover, string dnsExtra = "")
        => new NodeUserData
        {
            Role = "lb",
            Cluster = cluster,
            NodeId = nodeId,
            Address = address,
            StateDir = dir.Combine(nodeId, "state"),
            ShutdownTimeout = "3s",
            Aws = stack.AwsYaml(bucket),
            Dns = bind.DnsYaml(dnsExtra),
        }.Write(dir.Combine($"{nodeId}.yaml"), $$"""
            lb:
              http_bind: {{address}}:{{httpPort}}
              allowed_cidrs: [127.0.0.0/8]
              backends: [{app: shop}]
              failover: {{failover}}
            """);
}
