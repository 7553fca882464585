namespace NodeAgent.Configuration;

/// <summary>
/// A role's own settings: the user-data section named after the role (<c>web:</c>, <c>lb:</c>, <c>db:</c>), read by the
/// role plug-in (<see cref="IRoleSectionReader"/>) into its own sealed record. The kernel carries it in
/// <see cref="AgentConfig.RoleSection"/> without knowing its type; a role's services take their typed section from DI.
/// </summary>
public interface IRoleSection
{
    /// <summary>
    /// DNS names in the node's zone that this role claims as shared names (the lb pair's <c>lb</c>). A node's own
    /// record (<c>dns.record</c>, or the label derived from its node id) never uses one of them.
    /// </summary>
    IReadOnlyList<SharedDnsName> SharedDnsNames => [];
}

/// <summary>
/// A shared DNS label claimed by a role; <paramref name="ConfigKey"/> is the user-data key that sets it. With
/// <paramref name="RequiresDns"/> the role cannot work without the claim (a db primary elected through the lease on
/// its name), so user-data without a <c>dns:</c> section is an error instead of the claim being left off.
/// </summary>
public sealed record SharedDnsName(string Label, string ConfigKey, string Description, bool RequiresDns = false);
