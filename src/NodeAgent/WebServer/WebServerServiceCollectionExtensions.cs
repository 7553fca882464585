using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NodeAgent.Configuration;
using NodeAgent.Hosting;

namespace NodeAgent.WebServer;

public static class WebServerServiceCollectionExtensions
{
    /// <summary>Supervises <c>web.server</c> when one is configured; nothing otherwise.</summary>
    public static IServiceCollection AddWebServer(this IServiceCollection services, WebSection web)
    {
        if (web.Server is null)
        {
            return services;
        }

        services.AddSingleton<WebServerSupervisor>();
        services.AddSingleton<IStartupTask>(sp => sp.GetRequiredService<WebServerSupervisor>());
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<WebServerSupervisor>());
        return services;
    }
}
