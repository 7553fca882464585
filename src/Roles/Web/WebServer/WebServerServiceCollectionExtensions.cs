using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Lifecycle;
using NodeAgent.Roles.Web.Configuration;

namespace NodeAgent.Roles.Web.WebServer;

public static class WebServerServiceCollectionExtensions
{
    /// <summary>Supervises <c>web.server</c> when one is configured; nothing otherwise.</summary>
    public static RoleBuilder AddWebServer(this RoleBuilder role, WebSection web)
    {
        var services = role.Services;
        if (web.Server is null)
        {
            return role;
        }

        services.AddSingleton<WebServerSupervisor>();
        services.AddSingleton<IStartupTask>(sp => sp.GetRequiredService<WebServerSupervisor>());
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<WebServerSupervisor>());
        return role;
    }
}
