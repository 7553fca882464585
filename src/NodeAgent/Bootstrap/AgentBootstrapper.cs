using NodeAgent.Configuration;

namespace NodeAgent.Bootstrap;

/// <summary>
/// Boot step one: fetch user-data from its source, unwrap it, validate it and resolve the node's identity. Nothing is
/// started here, so <c>validate</c> and <c>run</c> share it and a bad config never half-starts a node.
/// </summary>
public sealed class AgentBootstrapper(IUserDataSource source, IReadOnlyCollection<IRoleSectionReader> knownRoles, IHostFacts hostFacts)
{
    public async Task<BootstrapResult> LoadAsync(CancellationToken cancellationToken)
    {
        var raw = await source.FetchAsync(cancellationToken);
        var config = UserDataReader.Read(raw, knownRoles);
        return new BootstrapResult(config, ResolveIdentity(config, raw));
    }

    private NodeIdentity ResolveIdentity(AgentConfig config, RawUserData raw)
    {
        var errors = new List<ConfigError>();
        var metadata = raw.Metadata;
        var instanceId = metadata?.InstanceId ?? config.Node.InstanceId ?? hostFacts.MachineId();
        if (instanceId is null || !Names.IsNodeId(instanceId))
        {
            errors.Add(new ConfigError("node.instance_id",
                "is required: user-data came from a file, there is no instance metadata and no usable /etc/machine-id"));
        }

        var address = config.Node.Address ?? metadata?.LocalIpv4;
        if (address is null)
        {
            errors.Add(new ConfigError("node.address",
                metadata is null
                    ? "is required when user-data comes from a file (there is no instance metadata to ask)"
                    : "is required: instance metadata has no local-ipv4"));
        }

        if (errors.Count > 0)
        {
            throw new ConfigException(raw.Source, errors);
        }

        return new NodeIdentity
        {
            Cluster = config.Cluster,
            Role = config.Role,
            InstanceId = instanceId!,
            NodeId = config.Node.Id ?? instanceId!,
            Address = address!,
            PublicAddress = config.Node.PublicAddress ?? metadata?.PublicIpv4,
            AvailabilityZone = config.Node.AvailabilityZone ?? metadata?.AvailabilityZone,
            Source = raw.Source,
        };
    }
}
