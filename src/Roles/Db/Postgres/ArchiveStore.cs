using Microsoft.Extensions.Logging;
using NodeAgent.Aws;
using NodeAgent.Storage;
using Prometheus;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>The object store of an archive, built straight from <see cref="ArchiveSettings"/> without the host (the per-segment commands).</summary>
public static class ArchiveStore
{
    public static IObjectStore Create(ArchiveSettings settings, ILogger logger)
    {
        var aws = settings.ToAwsSection();
        return new S3ObjectStore(
            AwsClientFactory.CreateS3(aws),
            aws.Bucket,
            AwsResilience.Create(aws.Retry, logger),
            new AwsRequestCounter(Metrics.WithCustomRegistry(Metrics.NewCustomRegistry())));
    }
}
