using Amazon.S3;
using Amazon.SQS;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Status;
using Polly;
using Polly.Registry;

namespace NodeAgent.Aws;

public static class AwsServiceCollectionExtensions
{
    public const string RetryPipeline = "aws";

    /// <summary>
    /// S3 and SQS clients from <c>aws:</c>, the shared retry pipeline and the request counter. The object store
    /// (<c>AddObjectStore</c>, Storage) and the message queue (<c>AddMessageQueue</c>, Messaging) register their own
    /// adapters over these.
    /// </summary>
    public static IServiceCollection AddAws(this IServiceCollection services, AwsSection aws)
    {
        if (services.Any(d => d.ServiceType == typeof(AwsRequestCounter)))
        {
            return services;
        }

        services.AddAgentMetrics();
        services.AddResiliencePipeline(RetryPipeline, (builder, context) =>
        {
            var logger = context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("NodeAgent.Aws.Retry");
            builder.AddPipeline(AwsResilience.Create(aws.Retry, logger));
        });
        services.AddSingleton<AwsRequestCounter>();
        services.AddSingleton(_ => AwsClientFactory.CreateS3(aws));
        services.AddSingleton(_ => AwsClientFactory.CreateSqs(aws));
        return services;
    }

    /// <summary>The shared retry pipeline every AWS adapter runs its calls through.</summary>
    public static ResiliencePipeline RetryPipelineOf(IServiceProvider sp)
        => sp.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline(RetryPipeline);
}
