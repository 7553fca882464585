using System.Net;

namespace NodeAgent.Testing;

/// <summary>
/// What every test node's user-data file starts with — version, role, cluster, the node's identity, the <c>aws:</c>
/// block, its status endpoint on its own address, the queue and (for nodes that register in DNS) the <c>dns:</c>
/// block — written here once for the user-data writers of the tests, the fleet in a box and the benches. The role's
/// own section follows it.
/// </summary>
public sealed record NodeUserData
{
    public required string Role { get; init; }

    public required string Cluster { get; init; }

    public required string NodeId { get; init; }

    public required IPAddress Address { get; init; }

    public required string StateDir { get; init; }

    /// <summary>The <c>aws:</c> block (<see cref="LocalStack.AwsYaml(string, string?)"/>).</summary>
    public required string Aws { get; init; }

    public string ShutdownTimeout { get; init; } = "10s";

    /// <summary>The <c>queue:</c> section as a YAML flow mapping; null leaves it out (the agent's defaults).</summary>
    public string? Queue { get; init; } = "{wait_time: 1s}";

    /// <summary>The <c>dns:</c> block (<see cref="BindServer.DnsYaml"/>), when the node registers in DNS.</summary>
    public string? Dns { get; init; }

    /// <summary>The <c>lifecycle:</c> section as a YAML flow mapping, when the node takes part in its instance's lifecycle.</summary>
    public string? Lifecycle { get; init; }

    public string Header
    {
        get
        {
            var lines = new List<string>
            {
                "version: 1",
                $"role: {Role}",
                $"cluster: {Cluster}",
                $"node: {{id: {NodeId}, instance_id: i-{NodeId}, address: {Address}, state_dir: {StateDir}, shutdown_timeout: {ShutdownTimeout}}}",
                Aws,
                $"status: {{listen: \"{StatusEndpoint.Listen(Address)}\"}}",
            };
            if (Queue is not null)
            {
                lines.Add($"queue: {Queue}");
            }

            if (Dns is not null)
            {
                lines.Add(Dns);
            }

            if (Lifecycle is not null)
            {
                lines.Add($"lifecycle: {Lifecycle}");
            }

            return string.Join('\n', lines);
        }
    }

    /// <summary>Writes the header followed by <paramref name="roleSection"/> (top-level YAML) to <paramref name="path"/>;
    /// returns the path.</summary>
    public string Write(string path, string roleSection)
    {
        File.WriteAllText(path, Header + "\n" + roleSection);
        return path;
    }
}
