using Microsoft.Extensions.Logging;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Web.Deploy;

/// <summary>Writes this node's status records and reads everyone's (for <c>deploy --wait</c>).</summary>
public sealed partial class DeploymentStatusStore(IObjectStore store, ILogger<DeploymentStatusStore> logger)
{
    /// <summary>Writes a status record. A failure is logged, never thrown: reporting must not fail a deploy.</summary>
    public async Task WriteAsync(DeploymentStatus status, CancellationToken cancellationToken)
    {
        try
        {
            await store.PutAsync(
                DeployKeys.Status(status.Cluster, status.Sequence, status.NodeId),
                DeployJson.Serialize(status),
                new PutOptions { ContentType = "application/json" },
                cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogWriteFailed(logger, status.App, status.Sequence, status.State, ex);
        }
    }

    /// <summary>Every node's status for one sequence; unreadable objects are skipped.</summary>
    public async Task<IReadOnlyList<DeploymentStatus>> ListAsync(string cluster, long sequence, CancellationToken cancellationToken)
    {
        var listing = await store.ListAsync(DeployKeys.Statuses(cluster, sequence), "/", cancellationToken);
        var reads = listing.Objects
            .Where(o => o.Key.EndsWith(".json", StringComparison.Ordinal) && o.Size <= DeployJson.MaxBytes)
            .Select(async o => await store.GetAsync(o.Key, cancellationToken));
        var result = new List<DeploymentStatus>();
        foreach (var obj in await Task.WhenAll(reads))
        {
            if (obj is not null && DeployJson.Parse<DeploymentStatus>(obj.Content).Value is { } status
                && status.Cluster == cluster && status.Sequence == sequence)
            {
                result.Add(status);
            }
        }

        return result.OrderBy(s => s.NodeId, StringComparer.Ordinal).ToList();
    }

    [LoggerMessage(EventId = 3030, Level = LogLevel.Warning, Message = "Could not write the status record of app {App} sequence {Sequence} ({State})")]
    private static partial void LogWriteFailed(ILogger logger, string app, long sequence, string state, Exception exception);
}
