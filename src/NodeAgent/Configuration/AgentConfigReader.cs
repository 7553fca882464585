using YamlDotNet.RepresentationModel;

namespace NodeAgent.Configuration;

/// <summary>
/// Turns a parsed user-data document into an <see cref="AgentConfig"/>, collecting every error with its path.
/// A role's own settings live under the key named after the role (<c>web:</c>, <c>lb:</c>, <c>db:</c>); a section
/// for another role is an error, so a web node cannot silently carry a half-written lb config.
/// </summary>
public static class AgentConfigReader
{
    /// <summary>Parses and validates; throws <see cref="ConfigException"/> listing every problem.</summary>
    public static AgentConfig Read(string text, string source, IReadOnlyCollection<string> knownRoles)
    {
        var errors = new ConfigErrorList();
        var root = UserDataDocument.Parse(text, errors);
        if (root is null || errors.Count > 0)
        {
            throw new ConfigException(source, errors.Items);
        }

        var config = Read(root, errors, knownRoles);
        if (errors.Count > 0 || config is null)
        {
            throw new ConfigException(source, errors.Items);
        }

        return config;
    }

    private static AgentConfig? Read(YamlMappingNode root, ConfigErrorList errors, IReadOnlyCollection<string> knownRoles)
    {
        var r = new ConfigReader(root, string.Empty, errors);
        var version = r.OptionalInt("version", 1, 1000, required: true);
        if (version is not null && version != AgentConfig.CurrentVersion)
        {
            r.Error("version", $"this agent understands version {AgentConfig.CurrentVersion}, got {version}");
        }

        var roles = knownRoles.ToDictionary(k => k, k => k, StringComparer.Ordinal);
        var role = r.OptionalChoice("role", roles, required: true);
        var cluster = r.String("cluster", required: true, pattern: Names.Cluster(), patternHint: Names.ClusterHint);
        var node = r.Section("node", NodeSection.Read) ?? new NodeSection();
        var aws = r.Section("aws", AwsSection.Read, required: true);
        var status = r.Section("status", StatusSection.Read) ?? new StatusSection();
        var registry = r.Section("registry", RegistrySection.Read) ?? new RegistrySection();
        var queue = r.Section("queue", QueueSection.Read) ?? new QueueSection();
        var dns = r.Section("dns", DnsSection.Read);
        var web = r.Section("web", WebSection.Read);
        var lb = r.Section("lb", LbSection.Read);
        var db = r.Section("db", DbSection.Read);
        r.Finish();

        if (role is not null)
        {
            var sections = new (string Key, object? Value)[] { ("web", web), ("lb", lb), ("db", db) };
            foreach (var (key, value) in sections)
            {
                if (key == role && value is null && knownRoles.Contains(key))
                {
                    r.Error(key, $"is required for role {role}");
                }
                else if (key != role && value is not null)
                {
                    r.Error(key, $"applies only to role {key}; this node's role is {role}");
                }
            }
        }

        if (dns?.RecordName is { } record && lb is { Failover.Enabled: true } && record == lb.Failover.Name)
        {
            r.Error("dns.record", $"'{record}' is the lb pair's shared name (lb.failover.name); give this node its own name such as {record}1");
        }

        if (role is null || cluster is null || aws is null)
        {
            return null;
        }

        return new AgentConfig
        {
            Version = version ?? AgentConfig.CurrentVersion,
            Role = role,
            Cluster = cluster,
            Node = node,
            Aws = aws,
            Status = status,
            Registry = registry,
            Queue = queue,
            Dns = dns,
            Web = web,
            Lb = lb,
            Db = db,
        };
    }
}
