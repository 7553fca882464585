using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Processes;

namespace NodeAgent.Notifications;

public static class NotificationsServiceCollectionExtensions
{
    /// <summary>The outbox directory of every receiver: <c>&lt;state_dir&gt;/notifications</c>.</summary>
    public static string OutboxRoot(AgentConfig config) => Path.Combine(config.Node.StateDir, "notifications");

    /// <summary>
    /// <see cref="INotifier"/> and one delivery loop per receiver of <c>notifications:</c> (none without it: events are
    /// then dropped quietly). Every node gets it, whatever its role.
    /// </summary>
    public static IServiceCollection AddNotifications(this IServiceCollection services, AgentConfig config)
    {
        services.AddSingleton(sp => CreateLoops(config, sp.GetRequiredService<IProcessRunner>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<INotifier>(sp => new Notifier(
            sp.GetRequiredService<IReadOnlyList<NotificationDeliveryLoop>>(), config.Cluster, sp.GetRequiredService<NodeIdentity>().NodeId,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<Notifier>>()));
        services.AddSingleton<IHostedService>(sp => new DeliveryLoops(sp.GetRequiredService<IReadOnlyList<NotificationDeliveryLoop>>()));
        return services;
    }

    /// <summary>The receivers' delivery loops (also for CLI commands, which run them once).</summary>
    public static IReadOnlyList<NotificationDeliveryLoop> CreateLoops(AgentConfig config, IProcessRunner runner, TimeProvider time, ILoggerFactory loggers)
    {
        var section = config.Notifications;
        if (section.IsEmpty)
        {
            return [];
        }

        var root = OutboxRoot(config);
        var http = WebhookSender.NewClient();
        var senders = section.Webhooks.Select(w => (INotificationSender)new WebhookSender(w, http, time))
            .Concat(section.Exec.Select(e => (INotificationSender)new ExecSender(e, runner)));
        return senders.Select(sender => new NotificationDeliveryLoop(
            sender,
            new NotificationOutbox(Path.Combine(root, sender.ReceiverId), section.MaxQueued, time, loggers.CreateLogger<NotificationOutbox>()),
            section.Retry,
            time,
            loggers.CreateLogger<NotificationDeliveryLoop>())).ToList();
    }

    /// <summary>Runs every receiver's loop as part of the host.</summary>
    private sealed class DeliveryLoops(IReadOnlyList<NotificationDeliveryLoop> loops) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.WhenAll(loops.Select(l => l.StartAsync(cancellationToken)));

        public Task StopAsync(CancellationToken cancellationToken) => Task.WhenAll(loops.Select(l => l.StopAsync(cancellationToken)));
    }
}
