using YamlDotNet.RepresentationModel;

namespace NodeAgent.Configuration;

/// <summary>
/// Turns a parsed user-data document into an <see cref="AgentConfig"/>, collecting every error with its path.
/// A role's own settings live under the key named after the role, read by that role's plug-in; a section for another
/// known role is an error, so a node cannot silently carry a half-written config of another role.
/// </summary>
public static class AgentConfigReader
{
    /// <summary>Parses and validates; throws <see cref="ConfigException"/> listing every problem.</summary>
    public static AgentConfig Read(string text, string source, IReadOnlyCollection<IRoleSectionReader> knownRoles)
    {
        var errors = new ConfigErrorList();
        var root = UserDataDocument.Parse(text, errors);
        if (root is null || errors.Count > 0)
        {
            throw errors.ToException(source);
        }

        var config = Read(root, errors, knownRoles);
        if (errors.Count > 0 || config is null)
        {
            throw errors.ToException(source);
        }

        return config;
    }

    private static AgentConfig? Read(YamlMappingNode root, ConfigErrorList errors, IReadOnlyCollection<IRoleSectionReader> knownRoles)
    {
        var r = new ConfigReader(root, string.Empty, errors);
        var version = r.OptionalInt("version", 1, 1000, required: true);
        if (version is not null && version != AgentConfig.CurrentVersion)
        {
            r.Error("version", $"this agent understands version {AgentConfig.CurrentVersion}, got {version}");
        }

        var roles = knownRoles.ToDictionary(k => k.Name, k => k.Name, StringComparer.Ordinal);
        var role = r.OptionalChoice("role", roles, required: true);
        var cluster = r.String("cluster", required: true, pattern: Names.Cluster(), patternHint: Names.ClusterHint);
        var node = r.Section("node", NodeSection.Read) ?? new NodeSection();
        var aws = r.Section("aws", AwsSection.Read, required: true);
        var status = r.Section("status", StatusSection.Read) ?? new StatusSection();
        var registry = r.Section("registry", RegistrySection.Read) ?? new RegistrySection();
        var queue = r.Section("queue", QueueSection.Read) ?? new QueueSection();
        var dns = r.Section("dns", DnsSection.Read);
        var lifecycle = r.Section("lifecycle", LifecycleSection.Read) ?? new LifecycleSection();
        IRoleSection? roleSection = null;
        foreach (var plugin in knownRoles)
        {
            if (plugin.Name == role)
            {
                roleSection = r.Section(plugin.Name, plugin.ReadSection);
                if (roleSection is null && !r.Has(plugin.Name))
                {
                    r.Error(plugin.Name, $"is required for role {role}");
                }
            }
            else if (r.Has(plugin.Name) && role is not null)
            {
                r.Error(plugin.Name, $"applies only to role {plugin.Name}; this node's role is {role}");
            }
        }

        r.Finish();

        if (dns?.RecordName is { } record && roleSection?.SharedDnsNames.FirstOrDefault(n => n.Label == record) is { } shared)
        {
            r.Error("dns.record", $"'{record}' is {shared.Description} ({shared.ConfigKey}); give this node its own name such as {record}1");
        }

        if (dns is null && roleSection?.SharedDnsNames.FirstOrDefault(n => n.RequiresDns) is { } needsDns)
        {
            r.Error(needsDns.ConfigKey, $"'{needsDns.Label}' is {needsDns.Description}, claimed through DNS: add a dns: section");
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
            Lifecycle = lifecycle,
            RoleSection = roleSection,
        };
    }
}
