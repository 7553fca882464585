using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Configuration;
using NodeAgent.Deploy;
using NodeAgent.Health;
using NodeAgent.Hosting;
using NodeAgent.WebServer;

namespace NodeAgent.Roles.Web;

/// <summary>The web role: serves apps, deploys new releases from git/svn on queue nudges, reports its health.</summary>
public sealed class WebRole : INodeRole
{
    public string Name => "web";

    public string Description => "serves apps; deploys releases on queue messages; HTTP health loop";

    public void ConfigureServices(IServiceCollection services, AgentConfig config)
    {
        var web = config.Web ?? throw new InvalidOperationException("role web requires the web section");
        services.AddDeploys(config);
        services.AddWebServer(web);
        services.AddWebHealth(web);
    }
}
