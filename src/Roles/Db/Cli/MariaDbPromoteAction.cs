using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Cli;
using NodeAgent.Hosting;
using NodeAgent.Registry;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.MariaDb.Replication;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.Cli;

/// <summary>
/// <c>nodeagent db promote [--timeout 2m] [--force]</c> on a MariaDB replica (docs/replication-mariadb.md): takes the next
/// epoch, waits until the old primary is fenced and this replica has caught up, then stops replicating and serves writes.
/// Exit 0 when promoted; 7 when refused or failed (the reason is printed).
/// </summary>
public static class MariaDbPromoteAction
{
    public static async Task<int> RunAsync(
        CliContext context, BootstrapResult boot, DbSection db, ILoggerFactory loggers, TimeSpan timeout, bool force, bool json, CancellationToken cancellationToken)
    {
        await using var services = new ServiceCollection()
            .AddSingleton(loggers)
            .AddLogging()
            .AddObjectStore(boot.Config.Aws)
            .AddRegistryClient(boot.Config.Registry)
            .BuildServiceProvider();
        var promotion = new MariaDbPromotion(db.MariaDb!, boot.Config.Cluster, boot.Identity.NodeId, boot.Config.Node.StateDir,
            services.GetRequiredService<IObjectStore>(), services.GetRequiredService<INodeRegistry>(), TimeProvider.System, loggers.CreateLogger<MariaDbPromotion>());
        try
        {
            var result = await promotion.PromoteAsync(timeout, force, cancellationToken);
            var detail = $"caught up to {result.CaughtUpTo ?? "-"}; {result.Previous ?? "no previous primary"} is fenced (read_only)";
            await context.Out.WriteLineAsync(json
                ? new JsonObject { ["succeeded"] = true, ["target"] = result.NodeId, ["epoch"] = result.Epoch, ["detail"] = detail }.ToJsonString()
                : $"{result.NodeId} is the MariaDB primary at epoch {result.Epoch}; {detail}");
            return (int)ExitCode.Ok;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await context.Error.WriteLineAsync(json
                ? new JsonObject { ["succeeded"] = false, ["target"] = boot.Identity.NodeId, ["detail"] = ex.Message }.ToJsonString()
                : $"db promote: {ex.Message}");
            return (int)ExitCode.OperationFailed;
        }
    }
}
