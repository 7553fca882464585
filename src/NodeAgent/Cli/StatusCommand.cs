using System.CommandLine;
using System.Text.Json;
using NodeAgent.Bootstrap;
using NodeAgent.Hosting;

namespace NodeAgent.Cli;

/// <summary>
/// <c>nodeagent status</c>: this node's identity, role, config source and state — the recorded instance id and what
/// the running agent's /healthz says. Exit 0 when the agent is ready, 1 when it runs but is not ready, 6 when it is
/// not running.
/// </summary>
public static class StatusCommand
{
    public static readonly Option<string?> Cluster = new("--cluster")
    {
        Description = "Show every node of this cluster from the registry (and the lb nodes' HAProxy view) instead.",
    };

    public static Command Create(CliContext context)
    {
        var command = new Command("status", "Show this node's identity, role, config source and state.") { Cluster };
        command.SetAction((parse, ct) => RunAsync(parse, context, ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
    {
        using var loggers = AgentLogging.CreateFactory(parse.GetValue(GlobalOptions.LogFormatOption), Microsoft.Extensions.Logging.LogLevel.Warning);
        var (boot, code) = await BootstrapLoader.LoadAsync(parse, context, loggers, cancellationToken);
        if (boot is null)
        {
            return (int)code;
        }

        if (parse.GetValue(Cluster) is { } cluster)
        {
            return await ClusterStatus.RunAsync(boot.Config, cluster, context, cancellationToken);
        }

        var (config, identity) = (boot.Config, boot.Identity);
        var output = context.Out;
        await output.WriteLineAsync($"node        {identity.NodeId}");
        await output.WriteLineAsync($"instance    {identity.InstanceId}");
        await output.WriteLineAsync($"role        {identity.Role}");
        await output.WriteLineAsync($"cluster     {identity.Cluster}");
        await output.WriteLineAsync($"address     {identity.Address}{(identity.PublicAddress is { } p ? $" (public {p})" : string.Empty)}");
        await output.WriteLineAsync($"source      {identity.Source}");
        await output.WriteLineAsync($"state dir   {config.Node.StateDir} ({StateOf(config.Node.StateDir, identity.InstanceId)})");

        if (!config.Status.Enabled)
        {
            await output.WriteLineAsync("agent       unknown (status endpoint disabled)");
            return (int)ExitCode.Ok;
        }

        var url = new Uri($"http://{config.Status.Listen}/healthz");
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(3) };
            using var response = await http.GetAsync(url, cancellationToken);
            using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            var health = document.RootElement;
            var ready = health.GetProperty("status").GetString() == "ready";
            await output.WriteLineAsync($"agent       running, {(ready ? "ready" : "not ready")} ({url})");
            foreach (var reason in health.GetProperty("reasons").EnumerateArray())
            {
                await output.WriteLineAsync($"            - {reason.GetString()}");
            }

            return ready ? (int)ExitCode.Ok : (int)ExitCode.Failure;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
        {
            await output.WriteLineAsync($"agent       not running (no answer from {url}: {ex.Message})");
            return (int)ExitCode.NotRunning;
        }
    }

    private static string StateOf(string stateDir, string instanceId)
    {
        var marker = Path.Combine(stateDir, BakedStateGuard.InstanceIdFile);
        if (!File.Exists(marker))
        {
            return "no state yet";
        }

        var recorded = File.ReadAllText(marker).Trim();
        return recorded == instanceId ? "belongs to this instance" : $"belongs to instance {recorded}; will be wiped at start";
    }
}
