using System.Text;
using Amazon.SQS;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NodeAgent.Aws;
using NodeAgent.Configuration;
using NodeAgent.Lifecycle;

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

    /// <summary>The message queue over SQS, through the shared retry pipeline.</summary>
    public static IServiceCollection AddMessageQueue(this IServiceCollection services, AwsSection aws)
    {
        services.AddAws(aws);
        services.TryAddSingleton<IMessageQueue>(sp => new SqsMessageQueue(
            sp.GetRequiredService<IAmazonSQS>(),
            AwsServiceCollectionExtensions.RetryPipelineOf(sp),
            sp.GetRequiredService<AwsRequestCounter>()));
        return services;
    }

    /// <summary>The daemon side: this node's queue, ensured at startup, and the consumer loop that dispatches to handlers.</summary>
    public static IServiceCollection AddNodeQueue(this IServiceCollection services, AwsSection aws, QueueSection queue)
    {
        services.AddMessageQueue(aws);
        services.AddMessagePublishing(queue);
        services.AddSingleton<NodeQueue>();
        services.AddSingleton<IStartupTask, EnsureNodeQueueTask>();
        services.AddHostedService<QueueConsumerService>();
        return services;
    }
}
