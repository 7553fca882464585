using System.CommandLine;
using NodeAgent.Configuration;

namespace NodeAgent.Hosting;

/// <summary>
/// A role plug-in. Every role has the same shape: it registers itself by name (<see cref="IRoleSectionReader.Name"/>)
/// in the catalog the executable builds, and contributes
/// <list type="bullet">
/// <item>its config section reader (<see cref="IRoleSectionReader.ReadSection"/>): the user-data key named after the
/// role, read into the role's own sealed record;</item>
/// <item>its services, startup tasks, message handlers, loops and readiness checks (<see cref="Configure"/>, on top of
/// the ones every node gets);</item>
/// <item>its CLI commands (<see cref="CreateCommands"/>), and optionally a fast path for a command run so often that
/// building the command tree would dominate (<see cref="TryRunFast"/>).</item>
/// </list>
/// The kernel never names a role; <c>BuiltInRoles.Catalog()</c> in src/Roles is the only list.
/// See <see cref="NodeRole{TSection}"/> for the base every built-in role uses.
/// </summary>
public interface INodeRole : IRoleSectionReader
{
    /// <summary>One line for <c>nodeagent version</c> and the docs.</summary>
    string Description { get; }

    /// <summary>
    /// Shared DNS names the role claims with its default settings, for commands that show them from another role's
    /// node (<c>dns status</c> on a web node shows who holds the lb name).
    /// </summary>
    IReadOnlyList<SharedDnsName> DefaultSharedDnsNames => [];

    /// <summary>Adds the role's services for a node whose user-data says <c>role: Name</c>.</summary>
    void Configure(RoleBuilder role);

    /// <summary>The role's subcommands (<c>deploy</c>, <c>backup</c>, …), added to the root command.</summary>
    IEnumerable<Command> CreateCommands(CliContext context) => [];

    /// <summary>
    /// A command that must start in milliseconds (PostgreSQL runs <c>wal-push</c> once per WAL segment): when
    /// <paramref name="args"/> are for it, returns its run and skips building the command tree; else null.
    /// </summary>
    Func<CancellationToken, Task<int>>? TryRunFast(string[] args, CliContext context) => null;
}
