using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Configuration;

namespace NodeAgent.Hosting;

/// <summary>
/// A role plug-in (<c>lb</c>, <c>web</c>, <c>db</c>): registers, by name, the services that make a node of this role —
/// its startup tasks, message handlers, health loops and backup loops — on top of the common ones every node gets
/// (status endpoint, queue, registry). Its settings live under the user-data key of the same name.
/// </summary>
public interface INodeRole
{
    /// <summary>The role's name in user-data (<c>role: web</c>) and in registry keys.</summary>
    string Name { get; }

    /// <summary>One line for <c>nodeagent version</c> and the docs.</summary>
    string Description { get; }

    void ConfigureServices(IServiceCollection services, AgentConfig config);
}
