using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Aws;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Registry;
using NodeAgent.Storage;

namespace NodeAgent.Cli;

/// <summary>
/// <c>nodeagent status --cluster C</c>: lists cluster C's registry (prefix + delimiter) with this node's AWS settings
/// and prints <see cref="ClusterStatusTable"/>. Exit 0 when the registry could be read, 2 for a bad cluster name,
/// 1 when it could not be read.
/// </summary>
public static class ClusterStatus
{
    public static async Task<int> RunAsync(AgentConfig config, string cluster, CliContext context, CancellationToken cancellationToken)
    {
        if (!Names.Cluster().IsMatch(cluster))
        {
            await context.Error.WriteLineAsync($"--cluster: expected {Names.ClusterHint}, got '{cluster}'");
            return (int)ExitCode.Usage;
        }

        await using var services = new ServiceCollection()
            .AddLogging()
            .AddObjectStore(config.Aws)
            .AddRegistryClient(config.Registry)
            .BuildServiceProvider();
        try
        {
            var listing = await services.GetRequiredService<INodeRegistry>().ListAsync(cluster, null, cancellationToken);
            await context.Out.WriteAsync(ClusterStatusTable.Format(cluster, listing));
            return (int)ExitCode.Ok;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await context.Error.WriteLineAsync($"cannot read the registry of cluster {cluster} in bucket {config.Aws.Bucket}: {ex.Message}");
            return (int)ExitCode.Failure;
        }
    }
}
