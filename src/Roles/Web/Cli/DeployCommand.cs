using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
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
using NodeAgent.Roles.Web.Rollout;
using NodeAgent.Security;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Web.Cli;

/// <summary>
/// <c>nodeagent deploy --app A [--revision R] [--cluster C] [--wait] [--timeout 10m]</c>: the publisher. Claims the
/// next sequence, writes the app's desired release to S3 and nudges every live node that serves it. With
/// <c>--wait</c> it follows the nodes' status records live and exits 7 if any node failed or did not finish in time.
/// AWS settings, the bucket, the cluster and the signing key come from user-data in the node format
/// (<c>--user-data FILE</c>, or instance metadata on a node); the publish key (the private half, which signs
/// <c>desired.json</c>) from <c>--publish-key FILE</c> or <c>NODEAGENT_PUBLISH_KEY</c>. <c>--reset-sequence</c>
/// republishes from the sequence the nodes really applied, after a confirmation (docs/deploys.md).
/// </summary>
public static class DeployCommand
{
    /// <summary>Environment variable naming the publish key file when <c>--publish-key</c> is not given.</summary>
    public const string PublishKeyVariable = "NODEAGENT_PUBLISH_KEY";

    public static Command Create(CliContext context)
    {
        var app = new Option<string>("--app") { Description = "The app to deploy.", Required = true };
        var revision = new Option<string?>("--revision") { Description = "Commit id, branch, tag or svn revision (default: each node's configured ref)." };
        var cluster = new Option<string?>("--cluster") { Description = "Cluster (default: the user-data's cluster)." };
        var wait = new Option<bool>("--wait") { Description = "Follow every node's progress; exit 7 if any node fails or times out." };
        var timeout = new Option<string>("--timeout") { Description = "How long --wait waits (duration, default 10m).", DefaultValueFactory = _ => "10m" };
        var json = new Option<bool>("--json") { Description = "Print the publish (and with --wait, the outcome) as one JSON line." };
        var publishKey = new Option<string?>("--publish-key") { Description = $"Private publish key (PEM) that signs desired.json (default: ${PublishKeyVariable})." };
        var reset = new Option<bool>("--reset-sequence") { Description = "Republish from the sequence the nodes really applied, ignoring an out-of-bounds desired record or hint (asks for confirmation)." };
        var yes = new Option<bool>("--yes") { Description = "Confirm --reset-sequence without asking." };
        var rollout = new RolloutOptions();
        var command = new Command("deploy", "Publish a new desired release of an app and nudge every node serving it (or, with a rollout strategy, the lb that releases its batches).")
        {
            app, revision, cluster, wait, timeout, json, publishKey, reset, yes,
        };
        foreach (var option in rollout.All)
        {
            command.Options.Add(option);
        }

        command.Subcommands.Add(DeployControlCommand.Create(context, RolloutControl.Pause, "Pause an app's rollout: the batch in flight finishes, no further batch is released."));
        command.Subcommands.Add(DeployControlCommand.Create(context, RolloutControl.Resume, "Resume a paused rollout."));
        command.Subcommands.Add(DeployControlCommand.Create(context, RolloutControl.Abort, "Abort an app's rollout: halt it and switch every node that moved back to its previous release."));
        command.SetAction((parse, ct) => RunAsync(parse, context, new Options(
            parse.GetValue(app)!, parse.GetValue(revision), parse.GetValue(cluster), parse.GetValue(wait), parse.GetValue(timeout)!, parse.GetValue(json),
            parse.GetValue(publishKey), parse.GetValue(reset), parse.GetValue(yes)), rollout, ct));
        return command;
    }

    private sealed record Options(string App, string? Revision, string? Cluster, bool Wait, string Timeout, bool Json,
        string? PublishKey, bool ResetSequence, bool Yes);

    private static async Task<int> RunAsync(ParseResult parse, CliContext context, Options options, RolloutOptions rolloutOptions, CancellationToken cancellationToken)
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

        var keyFile = options.PublishKey ?? context.GetEnvironment(PublishKeyVariable);
        if (string.IsNullOrEmpty(keyFile))
        {
            await context.Error.WriteLineAsync($"nodeagent deploy: desired.json must be signed: give the private publish key with --publish-key FILE or ${PublishKeyVariable} (nodeagent publish-key generate makes one; docs/security.md)");
            return (int)ExitCode.Usage;
        }

        PublishSigningKey signer;
        try
        {
            signer = PublishSigningKey.FromFile(keyFile);
        }
        catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
        {
            await context.Error.WriteLineAsync($"nodeagent deploy: cannot use the publish key: {ex.Message}");
            return (int)ExitCode.Usage;
        }

        using var _ = signer;
        using var loggers = AgentLogging.CreateFactory(parse.GetValue(GlobalOptions.LogFormatOption), LogLevel.Warning);
        var (config, code) = await ConfigOnlyLoader.LoadAsync(parse, context, loggers, cancellationToken);
        if (config is null)
        {
            return (int)code;
        }

        if (config.RoleSection is WebSection { PublishKey: { } expected } && !expected.SameAs(signer.PublicKey))
        {
            await context.Error.WriteLineAsync($"nodeagent deploy: the publish key {keyFile} is not the one the web nodes verify with (web.publish_key is {expected}, this key's public half is {signer.PublicKey}); nodes would refuse the deploy");
            return (int)ExitCode.Usage;
        }

        var configured = (config.RoleSection as WebSection)?.Apps.FirstOrDefault(a => a.Name == options.App)?.Rollout ?? new RolloutSettings();
        var (rolloutSettings, rolloutErrors) = rolloutOptions.Apply(parse, configured);
        if (rolloutSettings is null)
        {
            foreach (var error in rolloutErrors)
            {
                await context.Error.WriteLineAsync($"nodeagent deploy: {error}");
            }

            return (int)ExitCode.Usage;
        }

        var clusterName = options.Cluster ?? config.Cluster;
        if (options.ResetSequence && !await ConfirmResetAsync(context, options, clusterName))
        {
            return (int)ExitCode.Usage;
        }

        await using var services = new ServiceCollection()
            .AddSingleton(loggers)
            .AddSingleton(typeof(ILogger<>), typeof(Logger<>))
            .AddObjectStore(config.Aws)
            .AddMessageQueue(config.Aws)
            .AddRegistryClient(config.Registry)
            .AddMessagePublishing(config.Queue)
            .AddSingleton(signer)
            .AddSingleton<DeployPublisher>()
            .AddSingleton<DeploymentStatusStore>()
            .AddSingleton<RolloutStore>()
            .BuildServiceProvider();
        var publisher = services.GetRequiredService<DeployPublisher>();
        PublishResult result;
        try
        {
            result = options.ResetSequence
                ? await publisher.ResetAsync(clusterName, options.App, options.Revision, DeployPublisher.DefaultPublisher(), cancellationToken)
                : await publisher.PublishAsync(clusterName, options.App, options.Revision, DeployPublisher.DefaultPublisher(), rolloutSettings, cancellationToken);
        }
        catch (PublishRefusedException ex)
        {
            await context.Error.WriteLineAsync($"nodeagent deploy: refused: {ex.Message}");
            return (int)ExitCode.OperationFailed;
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

        if (!options.Json && result.Desired.Rollout is { } plan)
        {
            await context.Out.WriteLineAsync(
                $"{options.App}: sequence {result.Sequence} ({options.Revision ?? "default ref"}) published to cluster {clusterName} as a {plan.Strategy} rollout of {plan.Batches.Count} batch(es), min_healthy {plan.MinHealthy}, bake {plan.Bake.TotalSeconds:0.#} s, gates {plan.Gates.Describe()}; the active lb releases the batches");
            foreach (var (batch, i) in plan.Batches.Select((b, i) => (b, i)))
            {
                await context.Out.WriteLineAsync($"  batch {i + 1}: {string.Join(", ", batch)}");
            }
        }
        else if (!options.Json)
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

        if (result.Desired.Rollout is not null)
        {
            var rolled = await RolloutProgressView.WaitAsync(
                services.GetRequiredService<RolloutStore>(), clusterName, options.App, result.Sequence, timeout, new RolloutProgressView(options.Json ? TextWriter.Null : context.Out), TimeProvider.System, cancellationToken);
            await context.Out.WriteLineAsync(options.Json ? RolloutJson(clusterName, result, rolled) : rolled.Summary);
            return rolled.Succeeded ? (int)ExitCode.Ok : (int)ExitCode.OperationFailed;
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

    /// <summary>A reset replaces the desired record whatever it says: asked for by <c>--yes</c>, or by typing the app's
    /// name at a terminal.</summary>
    private static async Task<bool> ConfirmResetAsync(CliContext context, Options options, string cluster)
    {
        if (options.Yes)
        {
            return true;
        }

        if (context.Confirmations is null)
        {
            await context.Error.WriteLineAsync("nodeagent deploy: --reset-sequence replaces the desired state of the app whatever sequence it holds; add --yes to confirm (standard input is not a terminal)");
            return false;
        }

        await context.Out.WriteAsync($"--reset-sequence replaces the desired state of app '{options.App}' in cluster '{cluster}' with a sequence worked out from what the nodes applied. Type the app name to confirm: ");
        var answer = await context.Confirmations.ReadLineAsync();
        if (answer?.Trim() == options.App)
        {
            return true;
        }

        await context.Error.WriteLineAsync("nodeagent deploy: not confirmed; nothing was published");
        return false;
    }

    private static string RolloutJson(string cluster, PublishResult result, RolloutProgressView.WaitOutcome outcome)
    {
        // Built as a JsonObject: the agent is NativeAOT, and this shape is only ever written.
        var p = outcome.Progress;
        var batches = new JsonArray();
        foreach (var b in p?.Batches ?? [])
        {
            var gates = new JsonArray();
            foreach (var g in b.Gates)
            {
                gates.Add((JsonNode)new JsonObject { ["name"] = g.Name, ["measured"] = g.Measured, ["threshold"] = g.Threshold, ["ok"] = g.Ok });
            }

            var nodes = new JsonArray();
            foreach (var n in b.Nodes)
            {
                nodes.Add((JsonNode?)JsonValue.Create(n));
            }

            batches.Add((JsonNode)new JsonObject { ["index"] = b.Index, ["nodes"] = nodes, ["state"] = b.State, ["gates"] = gates });
        }

        return new JsonObject
        {
            ["cluster"] = cluster,
            ["app"] = result.Desired.App,
            ["sequence"] = result.Sequence,
            ["revision"] = result.Desired.Revision,
            ["succeeded"] = outcome.Succeeded,
            ["state"] = p?.State,
            ["halt"] = p?.Halt is { } h ? new JsonObject { ["batch"] = h.Batch, ["gate"] = h.Gate, ["reason"] = h.Reason } : null,
            ["batches"] = p is null ? null : batches,
            ["summary"] = outcome.Summary,
        }.ToJsonString();
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
