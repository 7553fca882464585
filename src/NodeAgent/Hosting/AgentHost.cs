using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.Aws;
using NodeAgent.Bootstrap;
using NodeAgent.Dns;
using NodeAgent.Instance;
using NodeAgent.Lifecycle;
using NodeAgent.Messaging;
using NodeAgent.Notifications;
using NodeAgent.Processes;
using NodeAgent.Registry;
using NodeAgent.Status;
using NodeAgent.Storage;

namespace NodeAgent.Hosting;

/// <summary>
/// Composes the daemon: the generic host with systemd integration and JSON logs, the services every node has (status
/// endpoint, AWS, its queue, the registry), then the role's own, then the instance lifecycle (last, so the launch hook
/// is completed only once everything else has started). Hosted services start in registration order: the status
/// endpoint first (so /healthz answers "starting"), then the startup tasks, then the loops.
/// </summary>
public static class AgentHost
{
    public static IHost Build(BootstrapResult boot, RoleCatalog roles, AgentRunOptions options, Action<IServiceCollection>? overrides = null)
    {
        var config = boot.Config;
        var role = roles.Get(config.Role);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ApplicationName = "nodeagent",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.AddAgentConsole(options.LogFormat, options.LogLevel);
        builder.Services.AddSystemd();
        builder.Services.Configure<HostOptions>(o =>
        {
            o.ShutdownTimeout = config.Node.ShutdownTimeout;
            o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.StopHost;
        });

        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(config);
        services.AddSingleton(boot.Identity);
        services.AddSingleton(options);
        services.AddSingleton(roles);
        services.AddStatusEndpoint();
        services.AddHostedService<StartupTaskRunner>();
        services.AddAws(config.Aws);
        services.AddObjectStore(config.Aws);
        services.AddProcesses();
        services.AddNodeQueue(config.Aws, config.Queue);
        services.AddNodeRegistration(config.Registry);
        services.AddDns(config);
        services.AddNotifications(config);
        role.Configure(new RoleBuilder(services, config));
        services.AddInstanceLifecycle(config, options.Imds, options.UserDataFromMetadata);
        services.AddHostedService<MemoryReliefLoop>();
        if (options.Once)
        {
            services.AddHostedService<OnceService>();
        }

        overrides?.Invoke(services);
        return builder.Build();
    }
}
