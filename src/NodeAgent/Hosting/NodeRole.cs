using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Configuration;

namespace NodeAgent.Hosting;

/// <summary>
/// The base of a role plug-in with its own typed section: reads <typeparamref name="TSection"/> from the role's
/// user-data key, registers it in DI (so the role's services take their section, never the whole config), and hands
/// it to <see cref="Configure(RoleBuilder, TSection)"/>.
/// </summary>
public abstract class NodeRole<TSection> : INodeRole
    where TSection : class, IRoleSection
{
    public abstract string Name { get; }

    public abstract string Description { get; }

    public virtual IReadOnlyList<SharedDnsName> DefaultSharedDnsNames => [];

    IRoleSection IRoleSectionReader.ReadSection(ConfigReader section) => ReadSection(section);

    public void Configure(RoleBuilder role)
    {
        var section = role.Config.Section<TSection>();
        role.Services.AddSingleton(section);
        Configure(role, section);
    }

    public virtual IEnumerable<System.CommandLine.Command> CreateCommands(CliContext context) => [];

    public virtual Func<CancellationToken, Task<int>>? TryRunFast(string[] args, CliContext context) => null;

    /// <summary>Reads and validates the role's section; every problem goes to <paramref name="section"/> with its path.</summary>
    protected abstract TSection ReadSection(ConfigReader section);

    /// <summary>Adds the role's services; <paramref name="section"/> is already registered as a singleton.</summary>
    protected abstract void Configure(RoleBuilder role, TSection section);
}
