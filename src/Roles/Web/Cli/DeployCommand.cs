using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodeAgent.Aws;
using NodeAgent.Cli;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Messaging;
using NodeAgent.Registry;
using NodeAgent.Roles.Web.Checkout;
using NodeAgent.Roles.Web.Configuration;
using NodeAgent.Roles.Web.Deploy;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Web.Cli;

/// <summary>
/// <c>nodeagent deploy --app A [--revision R] [--cluster C] [--wait] [--timeout 10m]</c>: the publisher. Claims the
/// next sequence, writes the app's desired release to S3 and nudges every live node that serves it. With
/// <c>--wait</c> it follows the nodes' status records live and exits 7 if any node failed or did not finish in time.
/// AWS settings, the bucket, the cluster and the signing key come from user-data in the node format
/// (<c>--user-data FILE</c>, or instance metadata on a node).
/// </summary>
public static class DeployCommand
{
    public static Command Create(CliContext context)
    {
        var app = new Option<string>("--app") { Description = "The app to deploy.", Required = true };
        var revision = new Option<string?>("--revision") { Description = "Commit id, branch, tag or svn revision (default: each node's configured ref)." };
        var cluster = new Option<string?>("--cluster") { Description = "Cluster (default: the user-data's cluster)." };
        var wait = new Option<bool>("--wait") { Description = "Follow every node's progress; exit 7 if any node fails or times out." };
        var timeout = new Option<string>("--timeout") { Description = "How long --wait waits (duration, default 10m).", DefaultValueFactory = _ => "10m" };
        var json = new Option<bool>("--json") { Description = "Print the publish (and with --wait, the outcome) as one JSON line." };
        var command = new Command("deploy", "Publish a new desired release of an app and nudge every node serving it.")
        {
            app, revision, cluster, wait, timeout, json,
        };
        command.SetAction((parse, ct) => RunAsync(parse, context, new Options(
            parse.GetValue(app)!, parse.GetValue(revision), parse.GetValue(cluster), parse.GetValue(wait), parse.GetValue(timeout)!, parse.GetValue(json)), ct));
        return command;
    }

    private sealed record Options(string App, string? Revision, string? Cluster, bool Wait, string Timeout, bool Json);

    private static async Task<int> RunAsync(ParseResult parse, CliContext context, Options options, CancellationToken cancellationToken)
    {
        if (!Names.App().IsMatch(options.App))
        {
            await context.Error.WriteLineAsync($"--app must be {Names.AppHint}");
            return (int)ExitCode.Usage;
        }

        if (options.Revision is { } r && (RevisionSyntax.Check(RepositoryKind.Git, r) is { } bad && RevisionSyntax.Check(RepositoryKind.Svn, r) is not null))
        {
            await context.Error.WriteLineAsync($"--revision '{r}': {bad}");
            return (int)ExitCode.Usage;
        }

        if (options.Cluster is { } c && !Names.Cluster().IsMatch(c))
        {
            await context.Error.WriteLineAsync($"--cluster must be {Names.ClusterHint}");
            return (int)ExitCode.Usage;
        }

        if (!DurationParser.TryParse(options.Timeout, out var timeout) || timeout <= TimeSpan.Zero)
        {
            await context.Error.WriteLineAsync($"--timeout expects a duration such as 90s or 10m, got '{options.Timeout}'");
            return (int)ExitCode.Usage;
        }

        using var loggers = AgentLogging.CreateFactory(parse.GetValue(GlobalOptions.LogFormatOption), LogLevel.Warning);
        var (config, code) = await ConfigOnlyLoader.LoadAsync(parse, context, loggers, cancellationToken);
        if (config is null)
        {
            return (int)code;
        }

        var clusterName = options.Cluster ?? config.Cluster;
        await using var services = new ServiceCollection()
            .AddSingleton(loggers)
            .AddSingleton(typeof(ILogger<>), typeof(Logger<>))
            .AddObjectStore(config.Aws)
            .AddMessageQueue(config.Aws)
            .AddRegistryClient(config.Registry)
            .AddMessagePublishing(config.Queue)
            .AddSingleton<DeployPublisher>()
            .AddSingleton<DeploymentStatusStore>()
            .BuildServiceProvider();
        var publisher = services.GetRequiredService<DeployPublisher>();
        PublishResult result;
        try
        {
            result = await publisher.PublishAsync(clusterName, options.App, options.Revision, DeployPublisher.DefaultPublisher(), cancellationToken);
        }
        catch (PublishSupersededException ex)
        {
            await context.Error.WriteLineAsync($"nodeagent deploy: {ex.Message}");
            return (int)ExitCode.OperationFailed;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await context.Error.WriteLineAsync($"nodeagent deploy: publishing failed: {ex.Message}");
            return (int)ExitCode.Failure;
        }

        if (options.Json && !options.Wait)
        {
            await context.Out.WriteLineAsync(PublishJson(clusterName, result, null, null));
            return (int)ExitCode.Ok;
        }

        if (!options.Json)
        {
            await context.Out.WriteLineAsync(
                $"{options.App}: sequence {result.Sequence} ({options.Revision ?? "default ref"}) published to cluster {clusterName}; " +
                $"nudged {result.Targets.Count} node(s){(result.Targets.Count > 0 ? ": " + string.Join(", ", result.Targets) : string.Empty)}");
            foreach (var node in result.Unreached)
            {
                await context.Out.WriteLineAsync($"  {node}: queue unreachable; it catches up at its next safety poll");
            }
        }

        if (!options.Wait)
        {
            return (int)ExitCode.Ok;
        }

        var statuses = services.GetRequiredService<DeploymentStatusStore>();
        var view = new DeployProgressView(context.Out, interactive: !options.Json && !Console.IsOutputRedirected && context.Out == Console.Out);
        var outcome = await DeployProgressView.WaitAsync(statuses, clusterName, result, timeout, view, TimeProvider.System, cancellationToken);
        if (options.Json)
        {
            await context.Out.WriteLineAsync(PublishJson(clusterName, result, outcome.Statuses, outcome.Succeeded));
        }
        else
        {
            await context.Out.WriteLineAsync(outcome.Summary);
        }

        return outcome.Succeeded ? (int)ExitCode.Ok : (int)ExitCode.OperationFailed;
    }

    private static string PublishJson(string cluster, PublishResult result, IReadOnlyList<DeploymentStatus>? statuses, bool? succeeded)
    {
        var doc = new Dictionary<string, object?>
        {
            ["cluster"] = cluster,
            ["app"] = result.Desired.App,
            ["sequence"] = result.Sequence,
            ["revision"] = result.Desired.Revision,
            ["published_at"] = result.Desired.PublishedAt.ToString("O", CultureInfo.InvariantCulture),
            ["targets"] = result.Targets,
            ["unreached"] = result.Unreached,
        };
        if (statuses is not null)
        {
            doc["succeeded"] = succeeded;
            doc["nodes"] = statuses.Select(s => new Dictionary<string, object?>
            {
                ["node_id"] = s.NodeId,
                ["state"] = s.State,
                ["release"] = s.Release,
                ["detail"] = s.Detail,
                ["swapped_at"] = s.SwappedAt?.ToString("O", CultureInfo.InvariantCulture),
                ["updated_at"] = s.UpdatedAt.ToString("O", CultureInfo.InvariantCulture),
            }).ToList();
        }

        return JsonSerializer.Serialize(doc, DeployCommandJson.Default.DictionaryStringObject);
    }
}

/// <summary>Source-generated JSON of <c>deploy --json</c>'s line: the value types it holds are listed (the installed
/// agent is NativeAOT).</summary>
[JsonSerializable(typeof(Dictionary<string, object?>))]
[JsonSerializable(typeof(List<Dictionary<string, object?>>))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(bool))]
internal sealed partial class DeployCommandJson : JsonSerializerContext;
