using Amazon.S3;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NodeAgent.Aws;
using NodeAgent.Configuration;

namespace NodeAgent.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>The object store over S3: the cluster's bucket (<c>aws.bucket</c>), through the shared retry pipeline.</summary>
    public static IServiceCollection AddObjectStore(this IServiceCollection services, AwsSection aws)
    {
        services.AddAws(aws);
        services.TryAddSingleton<IObjectStore>(sp => new S3ObjectStore(
            sp.GetRequiredService<IAmazonS3>(),
            aws.Bucket,
            AwsServiceCollectionExtensions.RetryPipelineOf(sp),
            sp.GetRequiredService<AwsRequestCounter>()));
        return services;
    }
}
