using System.Diagnostics;
using NodeAgent.Testing;
using NodeAgent.Testing.Fleet;
using Spectre.Console;

// The fleet in a box: the README demo. Starts the local S3/SQS server, BIND, 2 lb + 3 web + 1 db nodes (each its own
// agent process on its own 127.x address), then: a deploy under traffic, lb failover, a web node killed and
// restarted (it catches up before serving), a deploy while it was down, a base backup and a point-in-time restore.
// Prints a summary; exit 0 only when every step reached its outcome and no request failed outside the documented
// windows. Stops everything it started.
if (args is ["replica"])
{
    return await ReplicaDemo.RunAsync();
}

var clock = Stopwatch.StartNew();
void Log(string line) => AnsiConsole.MarkupLineInterpolated($"[grey]{clock.Elapsed.TotalSeconds,6:F1}s[/] {line}");

Log("starting the fleet: S3/SQS, BIND, 3 web, 2 lb, 1 db (every agent its own process and address)");
Fleet fleetStarted;
try
{
    fleetStarted = await Fleet.StartAsync("demo-fleet", Log);
}
catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException)
{
    AnsiConsole.MarkupLineInterpolated($"[red]the fleet did not start:[/] {ex.Message}");
    return 1;
}

await using var fleet = fleetStarted;
await using var traffic = TrafficProbe.Start(fleet, TimeSpan.FromMinutes(15));
var scenario = new FleetScenario(fleet, traffic, Log);
scenario.Record("fleet up", clock.Elapsed, $"{fleet.Nodes.Count()} agents ready; v1 was published before the web nodes booted, each caught up first");

try
{
    await scenario.DeployAsync("deploy under traffic");
    var (deadLb, _) = await scenario.KillActiveLbAsync("lb failover");
    var web = await scenario.KillWebAsync("web node killed", fleet.Webs[^1]);
    await scenario.DeployAsync("deploy with a node down", [web]);
    await scenario.RestartNodeAsync("web node back", web);
    await scenario.RestartNodeAsync("lb node back (standby)", deadLb);
    await scenario.WaitForBackupAsync("base backup", TimeSpan.FromMinutes(5));
    await scenario.PointInTimeRestoreAsync("point-in-time restore");
}
catch (Exception ex) when (ex is not OperationCanceledException)
{
    AnsiConsole.MarkupLineInterpolated($"[red]the scenario failed:[/] {ex.Message}");
    return 1;
}

Log($"the cluster as the registry and the lb nodes see it (nodeagent status --cluster {fleet.Cluster}):");
var (_, status, _) = await AgentProcess.RunAsync(["status", "--cluster", fleet.Cluster, "--user-data", fleet.Lbs[0].UserData], TimeSpan.FromMinutes(1));
AnsiConsole.WriteLine(status);

var unexpected = traffic.UnexpectedFailures();
var table = new Table().Title("fleet in a box: what happened").AddColumns("step", "took", "outcome");
foreach (var step in scenario.Steps)
{
    table.AddRow(Markup.Escape(step.Name), $"{step.Elapsed.TotalSeconds:F1} s", Markup.Escape(step.Detail));
}

table.AddRow("traffic", $"{traffic.Now.TotalSeconds:F0} s", $"{traffic.Requests} requests through lb.{Markup.Escape(fleet.Bind.Zone)}, {traffic.Failed} failed, {unexpected.Count} outside the documented windows");
AnsiConsole.Write(table);
if (unexpected.Count > 0)
{
    AnsiConsole.MarkupLineInterpolated($"[red]requests failed outside the documented windows:[/]\n{traffic.Describe(unexpected)}");
    return 1;
}

if (Fleet.LogDir is { Length: > 0 } logs)
{
    AnsiConsole.MarkupLineInterpolated($"each agent's log and user-data file: [bold]{logs}[/]");
}

return 0;
