using Amazon.S3;
using Amazon.SQS;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Messaging;
using NodeAgent.Status;
using NodeAgent.Storage;
using Polly;
using Polly.Registry;

namespace NodeAgent.Aws;

public static class AwsServiceCollectionExtensions
{
    public const string RetryPipeline = "aws";

    /// <summary>S3 and SQS clients from <c>aws:</c>, the shared retry pipeline, and the object store and queue over them.</summary>
    public static IServiceCollection AddAws(this IServiceCollection services, AwsSection aws)
    {
        services.AddAgentMetrics();
        services.AddResiliencePipeline(RetryPipeline, (builder, context) =>
        {
            var logger = context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("NodeAgent.Aws.Retry");
            builder.AddPipeline(AwsResilience.Create(aws.Retry, logger));
        });
        services.AddSingleton<AwsRequestCounter>();
        services.AddSingleton(_ => AwsClientFactory.CreateS3(aws));
        services.AddSingleton(_ => AwsClientFactory.CreateSqs(aws));
        services.AddSingleton<IObjectStore>(sp => new S3ObjectStore(
            sp.GetRequiredService<IAmazonS3>(),
            aws.Bucket,
            Pipeline(sp),
            sp.GetRequiredService<AwsRequestCounter>()));
        services.AddSingleton<IMessageQueue>(sp => new SqsMessageQueue(
            sp.GetRequiredService<IAmazonSQS>(),
            Pipeline(sp),
            sp.GetRequiredService<AwsRequestCounter>()));
        return services;
    }

    private static ResiliencePipeline Pipeline(IServiceProvider sp)
        => sp.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline(RetryPipeline);
}
