using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodeAgent.Aws;
using NodeAgent.Hosting;
using NodeAgent.Messaging;
using NodeAgent.Registry;
using NodeAgent.Storage;

namespace NodeAgent.Cli;

/// <summary>
/// <c>nodeagent retire</c>: removes a node for good — its registry entry, and the queue and dead-letter queue the agent
/// created for it (a queue given by <c>queue.url</c> belongs to the operator and is left alone). For instance
/// termination hooks; a plain stop only deregisters (the queue keeps nudges for a node that comes back).
/// </summary>
public static class RetireCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("retire", "Remove this node for good: its registry entry and its own queue and dead-letter queue.");
        command.SetAction(async (parse, ct) =>
        {
            using var loggers = AgentLogging.CreateFactory(parse.GetValue(GlobalOptions.LogFormatOption), LogLevel.Warning);
            var (boot, code) = await BootstrapLoader.LoadAsync(parse, context, loggers, ct);
            if (boot is null)
            {
                return (int)code;
            }

            var (config, identity) = (boot.Config, boot.Identity);
            await using var services = new ServiceCollection()
                .AddSingleton(loggers)
                .AddSingleton(typeof(ILogger<>), typeof(Logger<>))
                .AddObjectStore(config.Aws)
                .AddMessageQueue(config.Aws)
                .AddRegistryClient(config.Registry)
                .BuildServiceProvider();
            try
            {
                await services.GetRequiredService<INodeRegistry>().DeleteAsync(identity.Cluster, identity.Role, identity.NodeId, ct);
                await context.Out.WriteLineAsync($"registry entry {RegistryKeys.Node(identity.Cluster, identity.Role, identity.NodeId)} removed");
                if (config.Queue.Url is not null)
                {
                    await context.Out.WriteLineAsync($"queue {config.Queue.Url} was given by queue.url; left alone");
                    await AnnounceAsync(config, identity, loggers, ct);
                    return (int)ExitCode.Ok;
                }

                var queues = services.GetRequiredService<IMessageQueue>();
                var name = QueueNames.ForNode(identity.Cluster, identity.NodeId);
                // Ensure is how a queue's URL and its dead-letter queue are found by name; for a queue that is already
                // gone it creates it again, and the deletes below remove it: the goal state either way.
                var address = await queues.EnsureQueueAsync(name, EnsureNodeQueueTask.Settings(config.Queue), ct);
                if (address.DeadLetterUrl is { } dlq)
                {
                    var dead = await queues.ApproximateCountAsync(dlq, ct);
                    await queues.DeleteQueueAsync(dlq, ct);
                    await context.Out.WriteLineAsync($"dead-letter queue {dlq} deleted{(dead > 0 ? $" ({dead} message(s) in it were discarded)" : string.Empty)}");
                }

                await queues.DeleteQueueAsync(address.Url, ct);
                await context.Out.WriteLineAsync($"queue {address.Url} deleted");
                await AnnounceAsync(config, identity, loggers, ct);
                return (int)ExitCode.Ok;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await context.Error.WriteLineAsync($"nodeagent retire: {ex.Message}");
                return (int)ExitCode.OperationFailed;
            }
        });
        return command;
    }

    /// <summary><c>node.retired</c>, delivered within 10 s; what is not delivered stays in the node's outbox.</summary>
    private static Task<int> AnnounceAsync(Configuration.AgentConfig config, Bootstrap.NodeIdentity identity, ILoggerFactory loggers, CancellationToken cancellationToken)
        => Notifications.NotificationsOnce.PublishAndDeliverAsync(config, new Notifications.NotificationEvent
        {
            Id = Notifications.NotificationEvent.IdFor(identity.Cluster, Notifications.NotificationEventTypes.NodeRetired, identity.Role, identity.NodeId, identity.InstanceId),
            Type = Notifications.NotificationEventTypes.NodeRetired,
            Cluster = identity.Cluster,
            Node = identity.NodeId,
            At = DateTimeOffset.UtcNow,
            Subject = identity.NodeId,
            Summary = $"{identity.Role} node {identity.NodeId} ({identity.InstanceId}) was retired",
            Data = new System.Text.Json.Nodes.JsonObject { ["role"] = identity.Role, ["instance_id"] = identity.InstanceId },
        }, TimeSpan.FromSeconds(10), loggers, cancellationToken);
}
