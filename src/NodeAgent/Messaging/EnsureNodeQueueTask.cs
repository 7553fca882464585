using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Lifecycle;

namespace NodeAgent.Messaging;

/// <summary>
/// Startup: makes sure this node's queue exists — <c>nodeagent-&lt;cluster&gt;-&lt;node-id&gt;</c> with a dead-letter
/// queue and long polling — or describes the one named by <c>queue.url</c>.
/// </summary>
public sealed partial class EnsureNodeQueueTask(
    IMessageQueue queues,
    NodeQueue nodeQueue,
    AgentConfig config,
    NodeIdentity identity,
    ILogger<EnsureNodeQueueTask> logger) : IStartupTask
{
    public int Order => StartupOrder.Queue;

    public string Name => "ensure node queue";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        QueueAddress address;
        if (config.Queue.Url is { } url)
        {
            address = await queues.DescribeQueueAsync(url, cancellationToken);
        }
        else
        {
            var name = QueueNames.ForNode(identity.Cluster, identity.NodeId);
            address = await queues.EnsureQueueAsync(name, Settings(config.Queue), cancellationToken);
        }

        nodeQueue.Set(address);
        LogQueue(logger, address.Url.ToString(), address.DeadLetterUrl?.ToString() ?? "none");
    }

    public static QueueSettings Settings(QueueSection queue) => new()
    {
        VisibilityTimeout = queue.VisibilityTimeout,
        ReceiveWaitTime = queue.WaitTime,
        MaxReceiveCount = queue.MaxReceiveCount,
    };

    [LoggerMessage(EventId = 1501, Level = LogLevel.Information, Message = "Node queue {QueueUrl} (dead-letter queue {DeadLetterUrl})")]
    private static partial void LogQueue(ILogger logger, string queueUrl, string deadLetterUrl);
}
