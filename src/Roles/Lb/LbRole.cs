using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Configuration;
using NodeAgent.Dns;
using NodeAgent.Haproxy;
using NodeAgent.Hosting;

namespace NodeAgent.Roles.Lb;

/// <summary>The lb role: runs HAProxy, keeps its backends in step with the registry, holds the lb DNS name in a pair.</summary>
public sealed class LbRole : INodeRole
{
    public string Name => "lb";

    public string Description => "HAProxy kept in step with the registry; lb pair failover through DNS";

    public void ConfigureServices(IServiceCollection services, AgentConfig config)
    {
        _ = config.Lb ?? throw new InvalidOperationException("role lb requires the lb section");
        services.AddHaproxyBalancer(config);
        services.AddLbFailover(config);
    }
}
