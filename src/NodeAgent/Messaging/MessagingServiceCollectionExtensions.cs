using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NodeAgent.Configuration;
using NodeAgent.Hosting;

namespace NodeAgent.Messaging;

public static class MessagingServiceCollectionExtensions
{
    /// <summary>The message codec and publisher (for CLI commands and daemons alike).</summary>
    public static IServiceCollection AddMessagePublishing(this IServiceCollection services, QueueSection queue)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new MessageCodec(
            queue.SigningKey is { } key ? Encoding.UTF8.GetBytes(key.Reveal()) : null,
            queue.MaxMessageAge,
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<MessagePublisher>();
        return services;
    }

    /// <summary>The daemon side: this node's queue, ensured at startup, and the consumer loop that dispatches to handlers.</summary>
    public static IServiceCollection AddNodeQueue(this IServiceCollection services, QueueSection queue)
    {
        services.AddMessagePublishing(queue);
        services.AddSingleton<NodeQueue>();
        services.AddSingleton<IStartupTask, EnsureNodeQueueTask>();
        services.AddHostedService<QueueConsumerService>();
        return services;
    }
}
