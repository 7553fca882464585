using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodeAgent.Aws;
using NodeAgent.Cli;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Messaging;
using NodeAgent.Registry;
using NodeAgent.Roles.Web.Deploy;
using NodeAgent.Roles.Web.Rollout;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Web.Cli;

/// <summary>
/// <c>nodeagent deploy pause|resume|abort --app A</c>: writes the operator's control for the rollout of the app's
/// current desired sequence (<c>rollout-control.json</c>, signed with <c>queue.signing_key</c>) and nudges the lb
/// nodes; the active lb applies it once. Exits 7 when the app has no rollout in progress.
/// </summary>
public static class DeployControlCommand
{
    public static Command Create(CliContext context, string action, string description)
    {
        var app = new Option<string>("--app") { Description = "The app whose rollout to " + action + ".", Required = true };
        var cluster = new Option<string?>("--cluster") { Description = "Cluster (default: the user-data's cluster)." };
        var command = new Command(action, description) { app, cluster };
        command.SetAction((parse, ct) => RunAsync(parse, context, action, parse.GetValue(app)!, parse.GetValue(cluster), ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CliContext context, string action, string app, string? clusterOption, CancellationToken cancellationToken)
    {
        if (!Names.App().IsMatch(app))
        {
            await context.Error.WriteLineAsync($"--app must be {Names.AppHint}");
            return (int)ExitCode.Usage;
        }

        if (clusterOption is { } c && !Names.Cluster().IsMatch(c))
        {
            await context.Error.WriteLineAsync($"--cluster must be {Names.ClusterHint}");
            return (int)ExitCode.Usage;
        }

        using var loggers = AgentLogging.CreateFactory(parse.GetValue(GlobalOptions.LogFormatOption), LogLevel.Warning);
        var (config, code) = await ConfigOnlyLoader.LoadAsync(parse, context, loggers, cancellationToken);
        if (config is null)
        {
            return (int)code;
        }

        var cluster = clusterOption ?? config.Cluster;
        await using var services = new ServiceCollection()
            .AddSingleton(loggers)
            .AddSingleton(typeof(ILogger<>), typeof(Logger<>))
            .AddObjectStore(config.Aws)
            .AddMessageQueue(config.Aws)
            .AddRegistryClient(config.Registry)
            .AddMessagePublishing(config.Queue)
            .AddSingleton<RolloutStore>()
            .BuildServiceProvider();
        var desired = await new DesiredStateStore(services.GetRequiredService<IObjectStore>()).ReadAsync(cluster, app, cancellationToken);
        if (desired.Desired is not { Rollout: not null } current)
        {
            await context.Error.WriteLineAsync($"nodeagent deploy {action}: app '{app}' has no rollout: its desired state {(desired.Desired is null ? "is missing or unusable" : $"(sequence {desired.Desired.Sequence}) was published all at once")}");
            return (int)ExitCode.OperationFailed;
        }

        var rollouts = services.GetRequiredService<RolloutStore>();
        var progress = await rollouts.ReadProgressAsync(cluster, app, cancellationToken);
        if (progress.Value is { } p && p.Sequence == current.Sequence && p.IsTerminal)
        {
            await context.Error.WriteLineAsync($"nodeagent deploy {action}: the rollout of sequence {current.Sequence} is already over ({p.State})");
            return (int)ExitCode.OperationFailed;
        }

        var control = new RolloutControl
        {
            Cluster = cluster,
            App = app,
            Sequence = current.Sequence,
            Action = action,
            At = TimeProvider.System.GetUtcNow(),
            By = DeployPublisher.DefaultPublisher(),
        };
        await rollouts.WriteControlAsync(control, cancellationToken);
        var unreached = new List<string>();
        var lbs = await services.GetRequiredService<INodeRegistry>().ListAsync(cluster, Lb.LbRole.RoleName, cancellationToken);
        foreach (var lb in lbs.Live.Select(e => e.Record).Where(r => r.QueueUrl is not null))
        {
            try
            {
                await services.GetRequiredService<MessagePublisher>().SendAsync(new Uri(lb.QueueUrl!), RolloutMessage.Type, new RolloutMessage(app, current.Sequence).ToJson(), cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                unreached.Add($"{lb.NodeId}: {ex.Message}");
            }
        }

        await context.Out.WriteLineAsync($"{app}: {action} of the rollout of sequence {current.Sequence} written; the active lb applies it"
            + (unreached.Count == 0 ? string.Empty : $" within its next round ({string.Join(", ", unreached)} unreachable)"));
        return (int)ExitCode.Ok;
    }
}
